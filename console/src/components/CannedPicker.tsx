import type { CannedReply } from "../chat";

interface Props {
  choices: readonly CannedReply[];
  chosen: number;
  pick: (reply: CannedReply) => void;
}

/** The canned replies that match what follows "/" in the reply box; ↑/↓ choose, Enter or Tab takes one, Esc leaves. */
export function CannedPicker({ choices, chosen, pick }: Props) {
  return (
    <ul id="canned" role="listbox" aria-label="Canned replies">
      {choices.map((c, n) => (
        <li
          key={c.id}
          role="option"
          aria-selected={n === chosen}
          class={n === chosen ? "chosen" : ""}
          data-shortcut={c.shortcut}
          onMouseDown={(event) => {
            event.preventDefault(); // keep the focus in the reply box
            pick(c);
          }}
        >
          <b>/{c.shortcut}</b> <span class="muted">{c.text}</span>
        </li>
      ))}
    </ul>
  );
}
