// Reads asked for by live changes: however many changes are told while one read is under way, they
// make one more read after it, not one each (a busy pipeline must not queue a read per change).

/** ``run`` wrapped so that calls during a run make exactly one more run once it ends. */
export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let busy = false;
  let again = false;
  return async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        await run();
      } while (again);
    } finally {
      busy = false;
    }
  };
}
