// Owns turning untrusted input (JSON bodies, queries, params) into validated values, or one 400 shape.
import type { Context } from "hono";
import * as v from "valibot";
import { AppError } from "../errors.js";
import { readBodyText } from "./body-text.js";
import { parseJsonText } from "./json-text.js";

type Schema = v.GenericSchema;

function fail(where: string, issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): never {
  const issue = issues[0];
  const path = v.getDotPath(issue);
  const field = path ?? where;
  const message = path
    ? `Invalid ${where} field '${path}': ${issue.message}`
    : `Invalid ${where}: ${issue.message}`;
  throw new AppError("bad_request", message, { code: "invalid_request", param: field });
}

export function validate<S extends Schema>(schema: S, value: unknown, where: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (!result.success) fail(where, result.issues);
  return result.output;
}

/** JSON bodies on /api/*: 64 KiB is far above any management request, and caps what the login reads. */
export const API_JSON_MAX_BYTES = 64 * 1024;

/** Reads (at most `maxBytes`, else 413 before buffering more) and parses the JSON body once. */
export async function readJson(c: Context, maxBytes = API_JSON_MAX_BYTES): Promise<unknown> {
  return parseJsonText(await readBodyText(c, maxBytes));
}

/** Every /api/* body is a JSON object (valibot's object() alone would let an array through). */
export async function validBody<S extends Schema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const body = await readJson(c);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const got = body === null ? "null" : Array.isArray(body) ? "an array" : `a ${typeof body}`;
    throw new AppError("bad_request", `Request body must be a JSON object, not ${got}`, {
      code: "invalid_request",
      param: "body",
    });
  }
  return validate(schema, body, "body");
}

export function validQuery<S extends Schema>(c: Context, schema: S): v.InferOutput<S> {
  return validate(schema, c.req.query(), "query");
}

export function validParams<S extends Schema>(c: Context, schema: S): v.InferOutput<S> {
  return validate(schema, c.req.param(), "path");
}

/** JSON only: a cross-site HTML form cannot send it (so nobody can log a browser into their account). */
export function requireJson(c: Context): void {
  if (!c.req.header("content-type")?.toLowerCase().startsWith("application/json")) {
    throw new AppError("bad_request", "Send the body as application/json", { code: "invalid_json" });
  }
}
