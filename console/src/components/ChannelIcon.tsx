import { channelMark } from "../conversations";

/** The channel a customer writes from, as a small coloured mark. */
export function ChannelIcon({ channel }: { channel: string }) {
  return (
    <span class={`icon channel-${channel}`} title={channel} aria-label={channel}>
      {channelMark(channel)}
    </span>
  );
}
