import { useEffect, useState } from "preact/hooks";
import {
  campaigns,
  commandsFor,
  progressText,
  type Campaign,
  type CampaignCommand,
  type CampaignForm,
  type Preview,
} from "../../crm/campaigns";
import { Problem } from "./Problem";
import { useLoaded } from "./useLoaded";

const EMPTY: CampaignForm = { subject: "", text: "", tag: "", vip: "any" };
const LABELS: Record<CampaignCommand, string> = { start: "Start", pause: "Pause", resume: "Resume", cancel: "Cancel" };
const FOLLOW_MS = 2_000;

/** Campaign mail: a draft made from the form, previewed as the contacts would read it, then started and followed. */
export function Campaigns({ token }: { token: string }) {
  const listed = useLoaded(() => campaigns.list(token), token);
  const [form, setForm] = useState<CampaignForm>(EMPTY);
  const [refusal, setRefusal] = useState("");
  const [preview, setPreview] = useState<{ id: string; shown: Preview } | null>(null);
  const sending = (listed.value ?? []).some((c) => c.state === "sending");
  useEffect(() => {
    if (!sending) return undefined;
    const timer = setInterval(() => void listed.refresh(), FOLLOW_MS); // progress moves while mail goes
    return () => clearInterval(timer);
  }, [sending, listed.refresh]);

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setRefusal("");
    } catch (error) {
      setRefusal(error instanceof Error ? error.message : String(error));
    }
    await listed.reload();
  };
  const make = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      const made = await campaigns.create(token, form);
      setForm(EMPTY);
      setPreview({ id: made.id, shown: await campaigns.preview(token, made.id) });
    });
  };
  const field = (name: "subject" | "tag") => (event: Event) =>
    setForm({ ...form, [name]: (event.currentTarget as HTMLInputElement).value });

  return (
    <section id="campaigns">
      <form class="campaign-form" onSubmit={make}>
        <h2>New campaign</h2>
        <label>
          Subject <input name="subject" value={form.subject} onInput={field("subject")} required />
        </label>
        <label>
          Text (plain; fields {"{name}"}, {"{first_name}"}, {"{company}"}, {"{email}"}, {"{unsubscribe_url}"})
          <textarea
            name="text"
            rows={6}
            value={form.text}
            onInput={(event) => setForm({ ...form, text: (event.currentTarget as HTMLTextAreaElement).value })}
            required
          />
        </label>
        <label>
          Tag <input name="tag" value={form.tag} onInput={field("tag")} />
        </label>
        <label>
          VIP{" "}
          <select
            name="vip"
            value={form.vip}
            onChange={(event) => setForm({ ...form, vip: (event.currentTarget as HTMLSelectElement).value as CampaignForm["vip"] })}
          >
            <option value="any">any</option>
            <option value="yes">only VIP</option>
            <option value="no">no VIP</option>
          </select>
        </label>
        <button type="submit">Make a draft</button>
        {refusal && (
          <p class="crm-problem" role="alert">
            {refusal}
          </p>
        )}
      </form>
      {preview && <PreviewOf preview={preview.shown} />}
      <Problem problem={listed.problem} forbidden={listed.forbidden} />
      <ul class="campaign-list">
        {(listed.value ?? []).map((c) => (
          <CampaignRow
            key={c.id}
            campaign={c}
            preview={() => void act(async () => setPreview({ id: c.id, shown: await campaigns.preview(token, c.id) }))}
            command={(command) => void act(() => campaigns.command(token, c.id, command))}
          />
        ))}
      </ul>
    </section>
  );
}

function PreviewOf({ preview }: { preview: Preview }) {
  return (
    <section class="campaign-preview" aria-label="Preview">
      <h2>
        Goes to <span class="count">{preview.recipients}</span> contacts you may mail
      </h2>
      {preview.mails.map((mail) => (
        <article key={mail.contact_id}>
          <p>
            To: {mail.to} — {mail.subject}
          </p>
          <pre>{mail.text}</pre>
        </article>
      ))}
    </section>
  );
}

interface RowProps {
  campaign: Campaign;
  preview: () => void;
  command: (command: CampaignCommand) => void;
}

function CampaignRow({ campaign, preview, command }: RowProps) {
  return (
    <li data-campaign={campaign.id} data-state={campaign.state}>
      <span class="title">{campaign.subject}</span> <span class="tag">{campaign.state}</span>{" "}
      <span class="muted">{progressText(campaign.progress)}</span>{" "}
      {campaign.state === "draft" && (
        <button type="button" onClick={preview}>
          Preview
        </button>
      )}
      {commandsFor(campaign.state).map((name) => (
        <button key={name} type="button" data-command={name} onClick={() => command(name)}>
          {LABELS[name]}
        </button>
      ))}
    </li>
  );
}
