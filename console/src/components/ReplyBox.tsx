import type { RefObject } from "preact";
import { useState } from "preact/hooks";

/** Enter sends, Shift+Enter starts a new line, Esc goes back to the list. */
export function ReplyBox({ send, box }: { send: (text: string) => void; box: RefObject<HTMLTextAreaElement> }) {
  const [text, setText] = useState("");

  function submit(event?: Event) {
    event?.preventDefault();
    if (!text.trim()) return;
    send(text);
    setText("");
  }

  function keys(event: KeyboardEvent) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      submit(event);
    } else if (event.key === "Escape") {
      document.getElementById("list")?.focus();
    }
  }

  return (
    <form id="reply" onSubmit={submit}>
      <textarea
        id="replyText"
        ref={box}
        rows={2}
        placeholder="Reply…  (Enter sends, Shift+Enter: new line)"
        autocomplete="off"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={keys}
      />
      <button>Send</button>
    </form>
  );
}
