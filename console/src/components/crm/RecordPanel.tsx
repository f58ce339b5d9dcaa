import { useEffect, useRef } from "preact/hooks";
import type { FrameSource, RecordRef } from "../../crm/types";
import { DealCard } from "./DealCard";
import { RecordCard } from "./RecordCard";

interface Props {
  token: string;
  record: RecordRef;
  frames: FrameSource;
  open: (record: RecordRef | null) => void;
}

/**
 * The card of the record opened, beside the screen; Esc or Close puts it away. The card takes the
 * focus when it opens (Tab goes on into it) and gives it back to what opened it when it closes.
 */
export function RecordPanel({ token, record, frames, open }: Props) {
  const panel = useRef<HTMLElement>(null);
  const opener = useRef<Element | null>(document.activeElement);
  useEffect(() => panel.current?.focus(), [record.kind, record.id]);
  useEffect(
    () => () => {
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    },
    [],
  );
  useEffect(() => {
    const away = (event: KeyboardEvent) => {
      if (event.key === "Escape") open(null);
    };
    addEventListener("keydown", away);
    return () => removeEventListener("keydown", away);
  }, [open]);
  return (
    <aside id="record" aria-label="Record" tabIndex={-1} ref={panel}>
      <button type="button" id="close-card" class="close" onClick={() => open(null)} aria-label="Close the card">
        ×
      </button>
      {record.kind === "deal" ? (
        <DealCard key={record.id} token={token} dealId={record.id} frames={frames} open={open} />
      ) : (
        <RecordCard key={`${record.kind} ${record.id}`} token={token} record={{ kind: record.kind, id: record.id }} open={open} />
      )}
    </aside>
  );
}
