import { useEffect, useRef } from "preact/hooks";
import { age, customerName, isOfferedTo } from "../conversations";
import { ChannelIcon } from "./ChannelIcon";
import { unread } from "../unread";
import type { Conversation, Message, Operator } from "../types";

interface Props {
  rows: Conversation[];
  operator: Operator;
  current: string | null;
  seen: ReadonlyMap<string, number>;
  messages: ReadonlyMap<string, readonly Message[]>;
  now: number;
  open: (id: string) => void;
  accept: (leadId: string) => void;
  toReply: () => void;
  more: (() => void) | null;
  pinned?: readonly string[];
  typing?: (conversationId: string) => boolean; // whether the customer or a colleague types in it now
}

const NEXT = new Set(["ArrowDown", "j"]);
const PREVIOUS = new Set(["ArrowUp", "k"]);

/** The conversations, newest activity first; ↑/↓ (or j/k) move, Enter goes to the reply box. */
export function ConversationList(props: Props) {
  const { rows, operator, current, seen, messages, now, open, accept, toReply, more, pinned = [], typing } = props;
  const showMore = more && (
    <button id="more" type="button" onClick={more}>
      Show more conversations
    </button>
  );
  const list = useRef<HTMLDivElement>(null);
  // The open conversation stays in sight as the keyboard moves through a list longer than the screen.
  useEffect(() => {
    if (current) list.current?.querySelector(`[data-id="${CSS.escape(current)}"]`)?.scrollIntoView({ block: "nearest" });
  }, [current]);
  function keys(event: KeyboardEvent) {
    const at = rows.findIndex((c) => c.id === current);
    if ((NEXT.has(event.key) || PREVIOUS.has(event.key)) && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      const next = rows[NEXT.has(event.key) ? Math.min(rows.length - 1, at + 1) : Math.max(0, at - 1)];
      if (next) open(next.id);
    } else if (event.key === "Enter" && current) {
      event.preventDefault();
      toReply();
    }
  }

  if (rows.length === 0) {
    return (
      <div id="list" class="empty muted">
        No conversations here.
        {showMore}
      </div>
    );
  }
  return (
    <div id="list" ref={list} role="listbox" tabIndex={0} aria-label="Conversations" onKeyDown={keys}>
      {rows.map((c) => {
        const count = c.id === current ? 0 : unread.count(c.message_count, seen.get(c.id));
        const offered = isOfferedTo(c, operator);
        // The customer waits when theirs is the last word this console has seen.
        const said = messages.get(c.id);
        const waiting = c.status !== "closed" && said?.[said.length - 1]?.author === "customer";
        return (
          <div
            key={c.id}
            role="option"
            data-id={c.id}
            aria-selected={c.id === current}
            data-pinned={pinned.includes(c.id) || undefined}
            class={`row${c.id === current ? " active" : ""}${count ? " unread" : ""}`}
            onClick={() => open(c.id)}
          >
            <div class="line">
              <ChannelIcon channel={c.channel} />
              {pinned.includes(c.id) && (
                <span class="pin" title="pinned" aria-label="pinned">
                  ▲
                </span>
              )}
              <span class="name">{customerName(c)}</span>
              <span class={waiting ? "age waiting" : "age"} title={waiting ? "the customer waits for a reply" : ""}>
                {age(c.last_message_at ?? c.opened_at, now)}
              </span>
              {count > 0 && <span class="badge">{count}</span>}
            </div>
            <div class="line">
              <span class="preview muted">{c.last_message ?? ""}</span>
              {typing?.(c.id) && <span class="tag typing-mark">typing…</span>}
              {c.status === "closed" && <span class="tag">closed</span>}
              {c.manager_id === null && !offered && c.status !== "closed" && <span class="tag">unassigned</span>}
              {offered && c.lead_id && (
                <button
                  type="button"
                  class="accept"
                  onClick={(event) => {
                    event.stopPropagation();
                    accept(c.lead_id ?? "");
                  }}
                >
                  Accept
                </button>
              )}
            </div>
          </div>
        );
      })}
      {showMore}
    </div>
  );
}
