import type { Message } from "../types";

interface Props {
  message: Message;
  me: string;
  names: ReadonlyMap<string, string>;
}

/** A hidden note among the messages: marked as such, for colleagues only; the customer never sees it. */
export function NoteItem({ message, me, names }: Props) {
  // In a live frame manager_id is the holder and author_id who wrote; in a history page manager_id is who wrote.
  const writer = (message.author_id !== undefined ? message.author_id : message.manager_id) ?? "";
  const who = writer === me ? "you" : names.get(writer) ?? "a colleague";
  return (
    <div class="message note" data-message={message.message_id} role="note" aria-label="Hidden note">
      <div class="note-mark">Hidden note · not sent to the customer</div>
      <div class="text">{message.text}</div>
      <div class="meta muted">
        {who} · {new Date(message.at).toLocaleTimeString()}
      </div>
    </div>
  );
}
