import { useState } from "preact/hooks";
import { download } from "../api";
import type { Attachment, Message, PendingReply } from "../types";
import { NoteItem } from "./NoteItem";

function Delivery({ message, reported }: { message: Message; reported: boolean }) {
  if (message.author !== "manager") return null;
  if (!message.delivery) return <div class="delivery muted">{reported ? "sending…" : "posted in the chat"}</div>;
  if (message.delivery === "sent") return <div class="delivery sent">sent</div>;
  const detail = message.delivery_detail ? ` (${message.delivery_detail})` : "";
  return <div class="delivery failed">not delivered: {message.delivery + detail}</div>;
}

function AttachmentLink({ attachment, token }: { attachment: Attachment; token: string }) {
  const [problem, setProblem] = useState("");
  const name = attachment.filename || "attachment";
  return (
    <span class="attachment">
      <button
        type="button"
        disabled={attachment.kept === false}
        title={attachment.kept === false ? "not kept: too large or refused" : "download"}
        onClick={() => download(token, attachment).catch((e: unknown) => setProblem(String(e)))}
      >
        {name} ({attachment.size} bytes)
      </button>
      {problem && <span class="failed"> {problem}</span>}
    </span>
  );
}

/** Who of the team wrote a reply, as the operator reading it would say it. */
function writer(message: Message, me: string, names: ReadonlyMap<string, string>): string {
  if (message.author !== "manager") return "";
  const who = message.author_id !== undefined ? message.author_id : message.manager_id;
  return who === me ? "you · " : `${names.get(who ?? "") ?? "a colleague"} · `;
}

interface ItemProps {
  message: Message;
  token: string;
  reported: boolean;
  me: string;
  names?: ReadonlyMap<string, string>; // colleagues' names by id, for who wrote a hidden note
}

export function MessageItem({ message, token, reported, me, names = new Map() }: ItemProps) {
  if (message.author === "note") return <NoteItem message={message} me={me} names={names} />;
  return (
    <div class={`message ${message.author}`} data-message={message.message_id}>
      {message.subject && <div class="subject">{message.subject}</div>}
      <div class="text">{message.text}</div>
      {message.attachments?.map((a) => <AttachmentLink key={a.sha256} attachment={a} token={token} />)}
      <div class="meta muted">
        {writer(message, me, names)}
        {new Date(message.at).toLocaleTimeString()}
        {message.edited_at && " · edited"}
      </div>
      <Delivery message={message} reported={reported} />
    </div>
  );
}

export function PendingItem({ reply, retry }: { reply: PendingReply; retry: () => void }) {
  return (
    <div class="message manager pending" data-request={reply.request_id}>
      <div class="text">{reply.text}</div>
      {reply.attachments.map((f) => (
        <span key={f.sha256} class="attachment muted">
          {f.filename}
        </span>
      ))}
      {reply.failed ? (
        <div class="delivery failed">
          not sent: {reply.failed}{" "}
          <button type="button" onClick={retry}>
            Retry
          </button>
        </div>
      ) : (
        <div class="delivery muted">{reply.reply_id ? "stored, sending…" : "sending…"}</div>
      )}
    </div>
  );
}
