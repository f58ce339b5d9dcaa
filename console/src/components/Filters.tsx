import type { RefObject } from "preact";
import { FILTERS, type Filter } from "../conversations";
import type { Counts } from "../listing";

interface Props {
  filter: Filter;
  setFilter: (filter: Filter) => void;
  channel: string;
  channels: string[];
  setChannel: (channel: string) => void;
  search: string;
  setSearch: (search: string) => void;
  searchBox: RefObject<HTMLInputElement>;
  counts: Counts | null; // each tab's, in the channel and search chosen
}

export function Filters({ filter, setFilter, channel, channels, setChannel, search, setSearch, searchBox, counts }: Props) {
  return (
    <div id="filters">
      <input
        id="search"
        ref={searchBox}
        type="search"
        placeholder="Search name, phone, e-mail, text  (/)"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
      />
      <div class="tabs" role="tablist">
        {FILTERS.map(([value, label]) => (
          <button
            key={value}
            type="button"
            role="tab"
            data-filter={value}
            aria-selected={filter === value}
            title={value === "team" ? "My team's: held by or offered to someone of my teams" : undefined}
            class={filter === value ? "selected" : ""}
            onClick={() => setFilter(value)}
          >
            {label}
            {counts && <span class="count"> {counts[value]}</span>}
          </button>
        ))}
      </div>
      <select id="channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value)} aria-label="Channel">
        <option value="">All channels</option>
        {channels.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
}
