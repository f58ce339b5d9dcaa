// The console's one websocket: authenticates with the session token, reconnects by itself.

import type { Frame } from "./types";

export type Link = "connecting" | "online" | "offline";

/** Close code of a session that ended (logout, expiry, account change): log in again. */
export const UNAUTHENTICATED = 4401;

const RETRY_MS = [250, 500, 1000, 2000, 4000];

export interface SocketEvents {
  frame(frame: Frame): void;
  link(link: Link): void;
  sessionOver(reason: string): void;
}

/** What the store needs of a socket (a test gives it one of its own). */
export interface Connection {
  connect(): void;
  send(frame: Record<string, unknown>): boolean;
  stop(): void;
}

/**
 * A console socket that comes back after a drop: it waits a little longer after each failed try, and
 * tries at once when the browser says it is online again. What was missed meanwhile is the store's
 * to fetch when the gateway says "ready" again.
 */
export class ConsoleSocket implements Connection {
  private socket: WebSocket | null = null;
  private ready = false;
  private tries = 0;
  private timer: number | undefined;
  private stopped = false;

  constructor(
    private readonly token: string,
    private readonly on: SocketEvents,
    private readonly url = location.origin.replace(/^http/, "ws") + "/ws/console",
  ) {
    addEventListener("online", this.retryNow);
  }

  connect(): void {
    if (this.stopped) return;
    window.clearTimeout(this.timer);
    this.on.link("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.ready = false;
    socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token: this.token }));
    socket.onmessage = (event: MessageEvent<string>) => {
      if (socket !== this.socket) return;
      let frame: Frame;
      try {
        frame = JSON.parse(event.data) as Frame;
      } catch {
        return; // the gateway sends JSON only; anything else is not ours to act on
      }
      if (frame.type === "ready") {
        this.ready = true;
        this.tries = 0;
        this.on.link("online");
      }
      this.on.frame(frame);
    };
    socket.onclose = (event: CloseEvent) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.ready = false;
      if (event.code === UNAUTHENTICATED) {
        this.stop();
        this.on.sessionOver(event.reason || "your session ended: log in again");
        return;
      }
      this.on.link("offline");
      const wait = RETRY_MS[Math.min(this.tries, RETRY_MS.length - 1)] ?? 4000;
      this.tries += 1;
      this.timer = window.setTimeout(() => this.connect(), wait);
    };
  }

  /** Send a command when the console is ready; false when it must wait for the next connection. */
  send(frame: Record<string, unknown>): boolean {
    if (!this.ready || this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    removeEventListener("online", this.retryNow);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "closed");
  }

  private readonly retryNow = (): void => {
    if (!this.socket && !this.stopped) this.connect();
  };
}
