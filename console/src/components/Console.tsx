import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { logOut } from "../api";
import { announce } from "../alerts";
import { teamMates, typists } from "../chat";
import { CHANNEL_MARKS, isOfferedTo, keeps, matches, pinnedFirst, type Filter } from "../conversations";
import { ConsoleStore } from "../store";
import { useChat } from "../useChat";
import { ContactCard } from "./ContactCard";
import { ConversationList } from "./ConversationList";
import { ConversationView } from "./ConversationView";
import { Filters } from "./Filters";
import { TopBar } from "./TopBar";
import { CrmScreen } from "./crm/CrmScreen";
import { Views, type View } from "./crm/Views";
import type { FrameSource } from "../crm/types";

const HASH = /^#c=([0-9a-f-]{36})$/;
const CHANNELS = Object.keys(CHANNEL_MARKS).sort();
const SEARCH_AFTER_MS = 250; // the gateway is asked once the operator stops typing

function useStore(token: string, loggedOut: (reason: string) => void): ConsoleStore {
  const opened = useRef<(id: string) => void>(() => undefined);
  const [store] = useState(() => new ConsoleStore(token, (alert) => announce(alert, (id) => opened.current(id)), loggedOut));
  const [, changed] = useState(0);
  opened.current = (id) => store.open(id);
  useEffect(() => {
    const unsubscribe = store.subscribe(() => changed((n) => n + 1));
    store.start();
    return () => {
      unsubscribe();
      store.stop();
    };
  }, [store]);
  return store;
}

/** The time now, again every half minute, for the waiting times in the list. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function Console({ token, loggedOut }: { token: string; loggedOut: (reason: string) => void }) {
  const store = useStore(token, loggedOut);
  const chat = useChat(store);
  const { state } = store;
  const now = useNow();
  const [filter, setFilter] = useState<Filter>("all");
  const [channel, setChannel] = useState("");
  const [search, setSearch] = useState("");
  const searchBox = useRef<HTMLInputElement>(null);
  const replyBox = useRef<HTMLTextAreaElement>(null);
  const [view, setView] = useState<View>("chats");
  const frames = useMemo(() => store.watch.bind(store) as unknown as FrameSource, [store]);

  const operator = state.operator;
  const { colleagues, pinned } = chat.state;
  const mates = useMemo(() => teamMates(colleagues, operator?.manager_id ?? ""), [colleagues, operator]);
  const rows = useMemo(() => {
    if (!operator) return [];
    return [...state.conversations.values()]
      .filter(
        (c) =>
          keeps(filter, c, operator, mates) &&
          (!channel || c.channel === channel) &&
          (matches(c, search, state.messages.get(c.id)) || state.found.has(c.id)),
      )
      .sort(pinnedFirst(pinned));
  }, [state.conversations, state.messages, state.found, operator, filter, channel, search, mates, pinned]);
  // The bar's figures are the gateway's counts, of every page; until they come, those of the rows read.
  const held = [...state.conversations.values()];
  const offers = state.totals?.offered ?? (operator ? held.filter((c) => isOfferedTo(c, operator)).length : 0);
  const mine = state.totals?.mine ?? held.filter((c) => c.manager_id === operator?.manager_id && c.status !== "closed").length;

  function open(id: string | null) {
    store.open(id);
    history.replaceState(null, "", id ? `#c=${id}` : location.pathname);
  }

  // Every filter, channel and search is the gateway's to page and count; a search once typing stops.
  useEffect(() => {
    const timer = setTimeout(() => store.list({ filter, channel, search }), search ? SEARCH_AFTER_MS : 0);
    return () => clearTimeout(timer);
  }, [filter, channel, search, store]);

  // A link to a conversation (#c=<id>) opens it, on load and when followed.
  useEffect(() => {
    const follow = () => {
      const id = HASH.exec(location.hash)?.[1];
      if (id && id !== store.state.current) store.open(id);
    };
    follow();
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, [store]);

  // Alt+↑/↓ moves between conversations from anywhere; "/" goes to the search; Esc leaves the reply box.
  useEffect(() => {
    const keys = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
        event.preventDefault();
        const at = rows.findIndex((c) => c.id === store.state.current);
        const next = rows[event.key === "ArrowDown" ? Math.min(rows.length - 1, at + 1) : Math.max(0, at - 1)];
        if (next) open(next.id);
      } else if (event.key === "/" && !typing) {
        event.preventDefault();
        searchBox.current?.focus();
      }
    };
    addEventListener("keydown", keys);
    return () => removeEventListener("keydown", keys);
  });

  // The open conversation counts as read while the operator looks at it.
  useEffect(() => {
    const look = () => {
      if (document.visibilityState === "visible" && store.state.current) store.markSeen(store.state.current);
    };
    addEventListener("visibilitychange", look);
    return () => removeEventListener("visibilitychange", look);
  }, [store]);

  if (!operator) {
    return (
      <div id="connecting" class="muted">
        Connecting…
      </div>
    );
  }
  const current = state.current ? state.conversations.get(state.current) ?? null : null;

  return (
    <div id="app">
      <TopBar
        operator={operator}
        manager={state.manager}
        link={state.link}
        offers={offers}
        mine={mine}
        workDay={(action) => store.workDay(action)}
        showOffers={() => setFilter("offered")}
        notice={state.notice}
        logOut={() => void logOut(token)}
      />
      <Views view={view} choose={setView} />
      {view !== "chats" && <CrmScreen view={view} token={token} frames={frames} />}
      <main id="main" hidden={view !== "chats"}>
        <aside id="sidebar">
          <Filters
            filter={filter}
            setFilter={setFilter}
            channel={channel}
            channels={CHANNELS}
            counts={state.counts}
            setChannel={setChannel}
            search={search}
            setSearch={setSearch}
            searchBox={searchBox}
          />
          <ConversationList
            rows={rows}
            operator={operator}
            current={state.current}
            seen={state.seen}
            messages={state.messages}
            now={now}
            open={open}
            accept={(leadId) => store.accept(leadId)}
            toReply={() => replyBox.current?.focus()}
            more={state.more ? () => store.showMore() : null}
            pinned={pinned}
            typing={(id) => typists(chat.state, id, Date.now()).length > 0}
          />
        </aside>
        <ConversationView
          id={state.current}
          conversation={current}
          operator={operator}
          messages={state.current ? state.messages.get(state.current) ?? [] : []}
          earlier={state.current ? Boolean(state.earlier.get(state.current)) : false}
          pending={state.pending.filter((p) => p.conversation_id === state.current)}
          token={token}
          replyBox={replyBox}
          reply={(text, files) => store.reply(text, files)}
          retry={(requestId) => store.retry(requestId)}
          showEarlier={() => store.showEarlier()}
          accept={(leadId) => store.accept(leadId)}
          close={(id) => store.close(id)}
          chat={chat}
        />
        {current && <ContactCard conversation={current} operator={operator} token={token} />}
      </main>
    </div>
  );
}
