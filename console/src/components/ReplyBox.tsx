import type { RefObject } from "preact";
import { useRef, useState } from "preact/hooks";
import { upload } from "../api";
import { cannedFor, type CannedReply } from "../chat";
import type { Upload } from "../types";
import { CannedPicker } from "./CannedPicker";

interface Props {
  send: (text: string, files: Upload[]) => void;
  box: RefObject<HTMLTextAreaElement>;
  token: string;
  carriesFiles: boolean; // whether the conversation's channel can take an operator's files
  note?: (text: string) => void; // a hidden note instead of a reply
  canned?: readonly CannedReply[];
  typing?: () => void;
}

/**
 * Enter sends, Shift+Enter starts a new line, Esc goes back to the list; files where the channel takes them.
 * "/" then a shortcut offers the canned replies; Alt+N switches to a hidden note, which the customer never sees.
 */
export function ReplyBox({ send, box, token, carriesFiles, note, canned = [], typing }: Props) {
  const [text, setText] = useState("");
  const [hidden, setHidden] = useState(false);
  const [chosen, setChosen] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const choices = dismissed ? [] : cannedFor(canned, text);
  const [files, setFiles] = useState<Upload[]>([]);
  const [uploading, setUploading] = useState(0);
  const [problem, setProblem] = useState("");
  const picker = useRef<HTMLInputElement>(null);

  function submit(event?: Event) {
    event?.preventDefault();
    if (hidden && note) {
      if (!text.trim()) return;
      note(text);
      setText("");
      return;
    }
    if (uploading || (!text.trim() && files.length === 0)) return;
    send(text, files);
    setText("");
    setFiles([]);
    setProblem("");
  }

  function pick(reply: CannedReply) {
    setText(reply.text);
    setDismissed(true);
    box.current?.focus();
  }

  function keys(event: KeyboardEvent) {
    if (choices.length > 0 && ["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"].includes(event.key)) {
      event.preventDefault();
      const at = Math.min(chosen, choices.length - 1);
      if (event.key === "ArrowDown") setChosen((at + 1) % choices.length);
      else if (event.key === "ArrowUp") setChosen((at - 1 + choices.length) % choices.length);
      else if (event.key === "Escape") setDismissed(true);
      else pick(choices[at] ?? choices[0]!);
    } else if (event.altKey && event.code === "KeyN" && note) {
      // By the key's place, not its letter: Alt+N types a character of its own on some layouts (a Mac's "˜").
      event.preventDefault();
      setHidden((h) => !h);
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      submit(event);
    } else if (event.key === "Escape") {
      document.getElementById("list")?.focus();
    }
  }

  async function attach(chosen: FileList | null) {
    const picked = [...(chosen ?? [])];
    if (picker.current) picker.current.value = "";
    setUploading((n) => n + picked.length);
    for (const file of picked) {
      try {
        const uploaded = await upload(token, file);
        setFiles((held) => [...held, uploaded]);
      } catch (error) {
        setProblem(error instanceof Error ? error.message : String(error));
      } finally {
        setUploading((n) => n - 1);
      }
    }
  }

  return (
    <form id="reply" class={hidden ? "note" : ""} onSubmit={submit}>
      <div class="compose">
        {choices.length > 0 && <CannedPicker choices={choices} chosen={Math.min(chosen, choices.length - 1)} pick={pick} />}
        {(files.length > 0 || uploading > 0 || problem) && (
          <div id="files">
            {files.map((f, i) => (
              <span key={f.sha256 + i} class="file">
                {f.filename}
                <button type="button" aria-label={`remove ${f.filename}`} onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                  ×
                </button>
              </span>
            ))}
            {uploading > 0 && <span class="muted">uploading…</span>}
            {problem && <span class="failed">{problem}</span>}
          </div>
        )}
        <textarea
          id="replyText"
          ref={box}
          rows={2}
          placeholder={
            hidden
              ? "Hidden note for colleagues: the customer never sees it  (Alt+N: back to replying)"
              : "Reply…  (Enter sends, Shift+Enter: new line, / canned replies, Alt+N hidden note)"
          }
          aria-label={hidden ? "Hidden note" : "Reply"}
          autocomplete="off"
          value={text}
          onInput={(e) => {
            const typed = e.currentTarget.value;
            setText(typed);
            setChosen(0);
            if (!typed.startsWith("/")) setDismissed(false);
            if (!hidden && typed.trim() && !typed.startsWith("/")) typing?.();
          }}
          onKeyDown={keys}
        />
      </div>
      {note && (
        <button
          type="button"
          id="noteMode"
          aria-pressed={hidden}
          title="Alt+N: a hidden note for colleagues, never sent to the customer"
          onClick={() => {
            setHidden(!hidden);
            box.current?.focus();
          }}
        >
          {hidden ? "Note: on" : "Note"}
        </button>
      )}
      {carriesFiles && !hidden && (
        <label class="attach" title="Attach files">
          Attach
          <input id="attach" ref={picker} type="file" multiple onChange={(e) => void attach(e.currentTarget.files)} />
        </label>
      )}
      <button disabled={uploading > 0}>{hidden ? "Add note" : "Send"}</button>
    </form>
  );
}
