// Owns the vocabulary of a route's documentation (RouteDoc) and the one-word helpers that make a row of the
// route table (route-docs.ts) one line: json(Schema), text(type, what), sse(what), html(what), none, redirect.
import type * as v from "valibot";

export type Content =
  | { kind: "json"; schema: v.GenericSchema; alternative?: Content }
  | { kind: "text"; mediaType: string; description: string }
  | { kind: "none" }
  | { kind: "redirect" };

export interface RouteDoc {
  /** Groups operations in the rendered reference. */
  tag: string;
  summary: string;
  /** The JSON body schema the handler validates with. */
  body?: v.GenericSchema;
  /** A multipart/form-data body: the form fields the handler validates (the rest is streamed upstream). */
  form?: v.GenericSchema;
  /** The query schema the handler validates with (an object of string fields). */
  query?: v.GenericSchema;
  /** Success status → what is sent. Errors are added for every route, in the OpenAI shape by default. */
  responses: Record<number, Content>;
  /** The error shape of the route family (/v1/messages answers Anthropic-shaped errors). */
  errors?: "openai" | "anthropic";
}

/** A JSON answer; `alternative` is another media type for the same status (a stream). */
export const json = (schema: v.GenericSchema, alternative?: Content): Content => ({
  kind: "json",
  schema,
  alternative,
});
export const text = (mediaType: string, description: string): Content => ({
  kind: "text",
  mediaType,
  description,
});
export const sse = (description: string): Content => text("text/event-stream", description);
export const html = (description: string): Content => text("text/html", description);
export const none: Content = { kind: "none" };
export const redirect: Content = { kind: "redirect" };
