// Owns the rules a new password must meet (admin-set, self-chosen at registration, or changed) and the
// username syntax; one message per broken rule, naming the field.
import * as v from "valibot";
import { AppError } from "../errors.js";

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;
/** Distinct characters a password needs, so `aaaaaaaa` or `12121212` are refused. */
const MIN_DISTINCT_CHARACTERS = 5;

/** 3–64 characters: letters, digits, `.`, `_`, `-`, `@`; starting with a letter or digit. */
export const Username = v.pipe(
  v.string(),
  v.trim(),
  v.regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/,
    "must be 3–64 characters: letters, digits, '.', '_', '-' or '@', starting with a letter or digit",
  ),
);

/** Only the length is checked here; passwordProblem() has the rules that need the username. */
export const NewPassword = v.pipe(
  v.string(),
  v.minLength(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`),
  v.maxLength(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`),
);

/** The first rule `password` breaks, or null when it is acceptable. */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  if (new Set(password).size < MIN_DISTINCT_CHARACTERS) {
    return `must contain at least ${MIN_DISTINCT_CHARACTERS} different characters`;
  }
  if (password.toLowerCase() === username.toLowerCase()) return "must not be the username";
  return null;
}

/** Throws 400 `weak_password` naming `field` and the rule when the password is not acceptable. */
export function requireStrongPassword(password: string, username: string, field = "password"): void {
  const problem = passwordProblem(password, username);
  if (problem) {
    throw new AppError("bad_request", `Invalid body field '${field}': ${problem}`, {
      code: "weak_password",
      param: field,
    });
  }
}
