import type { RefObject } from "preact";
import { useRef, useState } from "preact/hooks";
import { upload } from "../api";
import type { Upload } from "../types";

interface Props {
  send: (text: string, files: Upload[]) => void;
  box: RefObject<HTMLTextAreaElement>;
  token: string;
  carriesFiles: boolean; // whether the conversation's channel can take an operator's files
}

/** Enter sends, Shift+Enter starts a new line, Esc goes back to the list; files where the channel takes them. */
export function ReplyBox({ send, box, token, carriesFiles }: Props) {
  const [text, setText] = useState("");
  const [files, setFiles] = useState<Upload[]>([]);
  const [uploading, setUploading] = useState(0);
  const [problem, setProblem] = useState("");
  const picker = useRef<HTMLInputElement>(null);

  function submit(event?: Event) {
    event?.preventDefault();
    if (uploading || (!text.trim() && files.length === 0)) return;
    send(text, files);
    setText("");
    setFiles([]);
    setProblem("");
  }

  function keys(event: KeyboardEvent) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
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
    <form id="reply" onSubmit={submit}>
      <div class="compose">
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
          placeholder="Reply…  (Enter sends, Shift+Enter: new line)"
          autocomplete="off"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={keys}
        />
      </div>
      {carriesFiles && (
        <label class="attach" title="Attach files">
          Attach
          <input id="attach" ref={picker} type="file" multiple onChange={(e) => void attach(e.currentTarget.files)} />
        </label>
      )}
      <button disabled={uploading > 0}>Send</button>
    </form>
  );
}
