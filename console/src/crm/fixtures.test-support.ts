// Deals and pipelines for the CRM's unit tests.

import type { Deal, Pipeline } from "./types";

export const PIPELINE: Pipeline = {
  id: "p1",
  name: "Sales",
  version: 1,
  stages: [
    { id: "new", name: "New", kind: "in_progress", probability: 10 },
    { id: "offer", name: "Proposal", kind: "in_progress", probability: 50 },
    { id: "won", name: "Won", kind: "won", probability: 100 },
    { id: "lost", name: "Lost", kind: "lost", probability: 0 },
  ],
};

export function deal(id: string, changes: Partial<Deal> = {}): Deal {
  return {
    id,
    title: `Deal ${id}`,
    pipeline_id: "p1",
    stage_id: "new",
    stage_name: "New",
    stage_kind: "in_progress",
    amount: "100.00",
    currency: "EUR",
    probability: null,
    expected_close: null,
    contact_id: null,
    company_id: null,
    lead_id: null,
    responsible_id: "m1",
    observers: [],
    opened_at: `2026-03-01T10:00:0${id.length % 10}+00:00`,
    closed_at: null,
    outcome: null,
    lost_reason: null,
    version: 1,
    ...changes,
  };
}
