import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { carriesFiles, customerName, deliveryReported, isOfferedTo } from "../conversations";
import { typists, type ChatStore } from "../chat";
import { ChannelIcon } from "./ChannelIcon";
import { ConversationActions } from "./ConversationActions";
import { RatingMark } from "./RatingMark";
import { TypingIndicator } from "./TypingIndicator";
import type { Conversation, Message, Operator, PendingReply, Upload } from "../types";
import { MessageItem, PendingItem } from "./MessageItem";
import { ReplyBox } from "./ReplyBox";

interface Props {
  id: string | null;
  conversation: Conversation | null;
  operator: Operator;
  messages: readonly Message[];
  earlier: boolean;
  pending: readonly PendingReply[];
  token: string;
  replyBox: RefObject<HTMLTextAreaElement>;
  reply: (text: string, files: Upload[]) => void;
  retry: (requestId: string) => void;
  showEarlier: () => void;
  accept: (leadId: string) => void;
  close: (conversationId: string) => void;
  chat: ChatStore;
}

/** One conversation: its whole history, page by page, what is still being sent, and the reply box. */
export function ConversationView(props: Props) {
  const { id, conversation: c, operator, messages, pending, token, chat } = props;
  const names = new Map(chat.state.colleagues.map((m) => [m.id, m.name]));
  const pane = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const shownId = useRef<string | null>(null);
  const newest = messages[messages.length - 1]?.notification_id;

  // Follow the newest message, unless the operator has scrolled up to read; a conversation opens at its end.
  useEffect(() => {
    const box = pane.current;
    if (!box) return;
    if (shownId.current !== id) following.current = true;
    shownId.current = id;
    if (following.current) box.scrollTop = box.scrollHeight;
  }, [id, newest, pending.length]);

  function scrolled(event: Event) {
    const box = event.currentTarget as HTMLDivElement;
    following.current = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  }

  if (id === null) {
    return (
      <section id="pane" class="empty muted">
        Choose a conversation (Alt+↑/↓).
      </section>
    );
  }
  return (
    <section id="pane">
      <div id="heading">
        {c ? (
          <>
            <ChannelIcon channel={c.channel} />
            <b class="name">{customerName(c)}</b>
            <span class="muted">{c.status}</span>
            <RatingMark conversation={c} />
            {isOfferedTo(c, operator) && c.lead_id && (
              <button type="button" class="accept" onClick={() => props.accept(c.lead_id ?? "")}>
                Accept lead
              </button>
            )}
            <ConversationActions conversation={c} operator={operator} chat={chat} close={props.close} />
          </>
        ) : (
          <span class="muted">This conversation is not in your list.</span>
        )}
      </div>
      <div id="messages" ref={pane} aria-live="polite" onScroll={scrolled}>
        {props.earlier && (
          <button id="earlier" type="button" onClick={props.showEarlier}>
            Show earlier messages
          </button>
        )}
        {messages.map((m) => (
          <MessageItem
            key={m.notification_id}
            message={m}
            token={token}
            reported={deliveryReported(c?.channel ?? "")}
            me={operator.manager_id}
            names={names}
          />
        ))}
        {pending.map((p) => (
          <PendingItem key={p.request_id} reply={p} retry={() => props.retry(p.request_id)} />
        ))}
      </div>
      <TypingIndicator who={typists(chat.state, id, Date.now())} />
      <ReplyBox
        send={props.reply}
        box={props.replyBox}
        token={token}
        carriesFiles={carriesFiles(c?.channel ?? "")}
        note={(text) => chat.note(id, text)}
        canned={chat.state.canned}
        typing={() => chat.typing(id)}
      />
    </section>
  );
}
