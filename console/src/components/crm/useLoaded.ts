import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { coalesced } from "../../crm/coalesced";
import { Forbidden } from "../../crm/api";

export interface Loaded<T> {
  value: T | null;
  /** Why it could not be read: a refusal of the role is said as such, never as a crash. */
  problem: string;
  forbidden: boolean;
  reload: () => Promise<void>;
  /** Read again after a live change; changes told while a read is under way make one more read, not one each. */
  refresh: () => Promise<void>;
}

/**
 * Something read from the gateway, read again when ``key`` changes or on ``reload``. Of reads that
 * overlap, only the latest is shown: a slow answer never replaces a newer one.
 */
export function useLoaded<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [problem, setProblem] = useState("");
  const [forbidden, setForbidden] = useState(false);
  const latest = useRef(0);
  const loader = useRef(load);
  loader.current = load;

  const reload = useCallback(async () => {
    const asked = ++latest.current;
    try {
      const found = await loader.current();
      if (asked !== latest.current) return;
      setValue(found);
      setProblem("");
      setForbidden(false);
    } catch (error) {
      if (asked !== latest.current) return;
      setForbidden(error instanceof Forbidden);
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }, []);

  const refresh = useMemo(() => coalesced(reload), [reload]);

  useEffect(() => {
    setValue(null);
    setProblem("");
    setForbidden(false);
    void reload();
  }, [key, reload]);

  return { value, problem, forbidden, reload, refresh };
}
