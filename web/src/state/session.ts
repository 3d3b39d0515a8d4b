// Owns who is signed in: checked once at load, set by login, cleared by logout or any 401.
import { signal } from "@preact/signals";
import * as calls from "../api/calls.js";
import { setUnauthorizedHandler } from "../api/http.js";
import type { User } from "../api/types.js";
import { startLive, stopLive } from "./model.js";

/** undefined while the first check runs; null when signed out. */
export const session = signal<User | null | undefined>(undefined);

/** The account just registered with an invitation: the sign-in page greets it and fills the username in. */
export const registeredUsername = signal<string | null>(null);

/** Set while this browser believes it has a session, so a signed-out visit makes no failing request. */
const HINT = "llmlb.signed-in";

function signedIn(user: User | null): void {
  session.value = user;
  if (user) localStorage.setItem(HINT, "1");
  else localStorage.removeItem(HINT);
  if (user && !user.must_change_password) startLive(user.role === "admin");
  else stopLive();
}

setUnauthorizedHandler(() => signedIn(null));

export async function checkSession(): Promise<void> {
  if (!localStorage.getItem(HINT)) return signedIn(null);
  try {
    signedIn(await calls.me());
  } catch {
    signedIn(null);
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  signedIn(await calls.login(username, password));
}

export async function signOut(): Promise<void> {
  try {
    await calls.logout();
  } finally {
    signedIn(null);
  }
}

export async function changePassword(current: string, next: string): Promise<void> {
  await calls.changePassword(current, next);
  const user = session.value;
  signedIn(user ? { ...user, must_change_password: false } : null);
}
