import type { Conversation } from "../types";

/** The visitor's rating of a closed conversation (1 to 5, and their comment), once they gave one. */
export function RatingMark({ conversation: c }: { conversation: Conversation }) {
  if (!c.rating) return null;
  return (
    <span id="rating" class="tag rating" title={c.rating_comment ?? ""}>
      rated {c.rating}/5{c.rating_comment ? `: ${c.rating_comment}` : ""}
    </span>
  );
}
