/** Who is typing in the open conversation: the visitor, colleagues; nothing when nobody is. */
export function TypingIndicator({ who }: { who: readonly string[] }) {
  return (
    <div id="typing" class="typing muted" aria-live="polite">
      {who.length === 0 ? "" : `${who.join(", ")} ${who.length === 1 ? "is" : "are"} typing…`}
    </div>
  );
}
