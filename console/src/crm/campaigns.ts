// Campaigns as the console shows them: the body a draft is sent as, what each state lets an operator do,
// and the progress in words. The gateway picks the recipients by the operator's role.

import { call } from "./api";

export type CampaignState = "draft" | "sending" | "paused" | "cancelled" | "done";
export type CampaignCommand = "start" | "pause" | "resume" | "cancel";

export interface Progress {
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  uncertain: number;
  skipped_unsubscribed: number;
  cancelled: number;
}

export interface Campaign {
  id: string;
  subject: string;
  text: string;
  mailbox: string;
  state: CampaignState;
  recipients: number | null;
  created_at: string;
  progress: Progress;
}

export interface Preview {
  recipients: number;
  mails: { contact_id: string; to: string; subject: string; text: string }[];
}

/** What the operator typed into the form for a new campaign. */
export interface CampaignForm {
  subject: string;
  text: string;
  tag: string;
  vip: "any" | "yes" | "no";
}

/** The body of ``POST /api/campaigns``: filters left empty are not sent, so they pick every contact. */
export function campaignBody(form: CampaignForm): Record<string, unknown> {
  const body: Record<string, unknown> = { subject: form.subject.trim(), text: form.text };
  if (form.tag.trim()) body.tag = form.tag.trim();
  if (form.vip !== "any") body.vip = form.vip === "yes";
  return body;
}

const COMMANDS: Record<CampaignState, CampaignCommand[]> = {
  draft: ["start", "cancel"],
  sending: ["pause", "cancel"],
  paused: ["resume", "cancel"],
  cancelled: [],
  done: [],
};

/** The commands a campaign in ``state`` takes, as the gateway's rule allows them. */
export function commandsFor(state: CampaignState): CampaignCommand[] {
  return COMMANDS[state];
}

/** The progress in words, leaving out what is none: "12 sent, 1 skipped (unsubscribed), 987 queued". */
export function progressText(progress: Progress): string {
  const said: [number, string][] = [
    [progress.sent, "sent"],
    [progress.sending, "sending"],
    [progress.failed, "failed"],
    [progress.uncertain, "uncertain"],
    [progress.skipped_unsubscribed, "skipped (unsubscribed)"],
    [progress.cancelled, "cancelled"],
    [progress.queued, "queued"],
  ];
  const parts = said.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}`);
  return parts.length ? parts.join(", ") : "nothing queued";
}

const id = encodeURIComponent;

export const campaigns = {
  list: async (token: string): Promise<Campaign[]> =>
    (await call<{ campaigns: Campaign[] }>(token, "/api/campaigns")).campaigns,
  create: (token: string, form: CampaignForm): Promise<Campaign> =>
    call<Campaign>(token, "/api/campaigns", { method: "POST", body: JSON.stringify(campaignBody(form)) }),
  preview: (token: string, campaignId: string): Promise<Preview> =>
    call<Preview>(token, `/api/campaigns/${id(campaignId)}/preview`),
  command: (token: string, campaignId: string, command: CampaignCommand): Promise<Campaign> =>
    call<Campaign>(token, `/api/campaigns/${id(campaignId)}/${command}`, { method: "POST", body: "{}" }),
};
