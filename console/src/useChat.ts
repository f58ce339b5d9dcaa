import { useEffect, useState } from "preact/hooks";
import { ChatStore } from "./chat";
import type { ConsoleStore } from "./store";

/** The chat's actions bound to the console's store, re-rendering the caller on each change. */
export function useChat(store: ConsoleStore): ChatStore {
  const [chat] = useState(() => new ChatStore(store));
  const [, changed] = useState(0);
  useEffect(() => {
    const unsubscribe = chat.subscribe(() => changed((n) => n + 1));
    const stop = chat.start();
    return () => {
      unsubscribe();
      stop();
    };
  }, [chat]);
  return chat;
}
