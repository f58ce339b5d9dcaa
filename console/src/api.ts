// The gateway's REST routes the console uses.

import type { Attachment, Contact, Operator, Upload } from "./types";

const SESSION = "switchboard.session";

export const session = {
  get: (): string | null => sessionStorage.getItem(SESSION),
  set: (token: string): void => sessionStorage.setItem(SESSION, token),
  clear: (): void => sessionStorage.removeItem(SESSION),
};

async function problem(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === "string") return body.error;
  } catch {
    // not JSON: say what the status says
  }
  return `${response.status} ${response.statusText}`;
}

export async function logIn(email: string, password: string): Promise<{ token: string; operator: Operator }> {
  const response = await fetch("/api/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(await problem(response));
  return (await response.json()) as { token: string; operator: Operator };
}

export async function logOut(token: string): Promise<void> {
  // The gateway ends the session and closes this console's socket (4401).
  await fetch("/api/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
}

/** The customer's contact in the CRM, or null when the CRM has none the operator may see. */
export async function contactCard(token: string, contactId: string): Promise<Contact | null> {
  const response = await fetch(`/api/contacts/${encodeURIComponent(contactId)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (response.status === 404 || response.status === 403) return null;
  if (!response.ok) throw new Error(await problem(response));
  return (await response.json()) as Contact;
}

/** Upload a file for a reply; the answer is what the reply names. */
export async function upload(token: string, file: File): Promise<Upload> {
  const response = await fetch("/api/attachments", {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": file.type || "application/octet-stream",
      "X-Filename": encodeURIComponent(file.name),
    },
    body: file,
  });
  if (!response.ok) throw new Error(`${file.name}: ${await problem(response)}`);
  return (await response.json()) as Upload;
}

/** Download an attachment: the token travels in a header, so the file is fetched and handed over as a blob. */
export async function download(token: string, attachment: Attachment): Promise<void> {
  const response = await fetch(`/api/attachments/${encodeURIComponent(attachment.sha256)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(await problem(response));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = attachment.filename || "attachment";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
