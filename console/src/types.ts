// The shapes the gateway sends (services/console/queries.py, operator_socket.py, commands.py).

export type Role = "manager" | "head" | "director" | "admin";

export interface Operator {
  manager_id: string;
  name: string;
  email: string;
  role: Role;
}

export interface ManagerLoad {
  id: string;
  name: string;
  work_day: string;
  open_leads: number;
  capacity: number;
}

export interface Conversation {
  id: string;
  channel: string;
  address: string;
  status: string;
  lead_id: string | null;
  manager_id: string | null;
  lead_status: string;
  offered_to: string[];
  message_count: number;
  last_message: string | null;
  last_message_at: string | null;
  opened_at: string;
  // The customer's contact in the CRM, and its name once known (a pre-chat form, a messenger profile).
  contact_id?: string | null;
  customer_name?: string | null;
  // Colleagues invited in beside the holder, and the visitor's rating once closed (the chat's read model).
  participants?: string[];
  rating?: number | null;
  rating_comment?: string | null;
}

/** A contact as the CRM keeps it (GET /api/contacts/{id}). */
export interface Contact {
  id: string;
  name: string | null;
  phones: string[];
  emails: string[];
  company: { id: string; name: string | null } | null;
  vip?: boolean;
  source?: string | null;
  created_at?: string;
}

export interface Attachment {
  sha256: string;
  filename?: string | null;
  size: number;
  kept?: boolean;
  content_type?: string | null;
}

export interface Message {
  notification_id: number;
  conversation_id: string;
  message_id: string;
  author: "customer" | "manager" | string;
  // In a history page manager_id is who wrote; in a live frame it is the conversation's holder and
  // author_id is who wrote (services/console/queries.py).
  manager_id?: string | null;
  author_id?: string | null;
  text: string;
  at: string;
  subject?: string;
  attachments?: Attachment[];
  delivery?: string | null;
  delivery_detail?: string | null;
  edited_at?: string | null;
}

export type RequestId = string | number | null;

export type Frame =
  | {
      type: "ready";
      operator: Operator;
      manager?: ManagerLoad | null;
      conversations: Conversation[];
      next_cursor: string | null;
    }
  | {
      type: "conversations";
      conversations: Conversation[];
      next_cursor: string | null;
      counts: Readonly<Record<"all" | "mine" | "team" | "unassigned" | "offered" | "closed", number>> | null;
      request_id: RequestId;
    }
  | { type: "conversation"; conversation: Conversation }
  | { type: "conversation_removed"; id: string }
  | { type: "message"; message: Message }
  | {
      type: "history";
      conversation_id: string;
      messages: Message[];
      next_cursor: string | null;
      request_id: RequestId;
    }
  | {
      type: "ack";
      request_id: RequestId;
      reply_id?: string;
      manager?: ManagerLoad;
      lead_id?: string;
      conversation_id?: string;
    }
  | { type: "error"; code: string; detail: string; request_id: RequestId; retry_after?: number };

/** A file uploaded for a reply (POST /api/attachments), named in the reply by its hash. */
export interface Upload {
  sha256: string;
  filename: string;
  content_type: string;
  size: number;
}

/** A reply typed by this operator that the gateway has not yet shown back as a message. */
export interface PendingReply {
  request_id: string;
  conversation_id: string;
  text: string;
  attachments: Upload[];
  reply_id: string | null;
  failed: string | null;
}
