// A browser notification and a short sound when a lead is assigned or offered to the operator.

import { customerName } from "./conversations";
import type { Alert } from "./store";

let audio: AudioContext | null = null;

/** Ask once, on the operator's own gesture (browsers allow both only then). */
export function prepareAlerts(): void {
  if ("Notification" in window && Notification.permission === "default") void Notification.requestPermission();
  try {
    audio ??= new AudioContext();
    void audio.resume();
  } catch {
    audio = null; // no sound in this browser; the notification still says it
  }
}

function chime(): void {
  if (!audio) return;
  const tone = audio.createOscillator();
  const volume = audio.createGain();
  tone.frequency.value = 880;
  volume.gain.setValueAtTime(0.15, audio.currentTime);
  volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
  tone.connect(volume).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.4);
}

export function announce({ kind, conversation }: Alert, open: (id: string) => void): void {
  chime();
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const title = kind === "assigned" ? "New lead for you" : "Lead offered: accept it first";
  // Notification text is plain text: the customer's words are never read as markup here either.
  const body = `${customerName(conversation)}: ${conversation.last_message ?? ""}`.slice(0, 200);
  let note: Notification;
  try {
    note = new Notification(title, { body, tag: `${kind}:${conversation.id}` });
  } catch {
    return; // browsers that notify only through a service worker: the sound and the list say it
  }
  note.onclick = () => {
    window.focus();
    open(conversation.id);
    note.close();
  };
}
