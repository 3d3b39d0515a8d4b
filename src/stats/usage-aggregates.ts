// Owns the usage aggregates waiting to be written: tokens per UTC day × endpoint × model × API key and
// requests per UTC hour × client address × API key (the token and client statistics). Pure; '' stands for
// "none" in the key columns, as in the tables.
import type { CompletionRecord } from "../events/types.js";

export interface TokenDay {
  date: string;
  endpointId: string;
  model: string;
  apiKeyId: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface ClientHour {
  /** Epoch ms of the start of the UTC hour. */
  hour: number;
  clientIp: string;
  apiKeyId: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  /** Epoch ms. */
  lastSeen: number;
}

export interface UsageBatch {
  tokens: Map<string, TokenDay>;
  clients: Map<string, ClientHour>;
}

const HOUR_MS = 3_600_000;

export class UsageAggregates {
  private tokens = new Map<string, TokenDay>();
  private clients = new Map<string, ClientHour>();

  get empty(): boolean {
    return this.tokens.size === 0 && this.clients.size === 0;
  }

  /**
   * `date`: the record's UTC date (YYYY-MM-DD), formatted by the caller once per day. Runs once per request:
   * rows are built field by field — object spread (`{ ...delta }`) measured ~1.1 µs per object on Node 20,
   * half of this function's cost in bench section 3's profile.
   */
  add(completion: CompletionRecord, date: string): void {
    const endpointId = completion.endpoint_id ?? "";
    const apiKeyId = completion.api_key_id ?? "";
    const input = completion.input_tokens;
    const output = completion.output_tokens;
    const tokenKey = `${date}\u0000${endpointId}\u0000${completion.model}\u0000${apiKeyId}`;
    const day = this.tokens.get(tokenKey);
    if (day) {
      day.requests += 1;
      day.inputTokens += input;
      day.outputTokens += output;
    } else {
      const model = completion.model;
      this.tokens.set(tokenKey, {
        date,
        endpointId,
        model,
        apiKeyId,
        requests: 1,
        inputTokens: input,
        outputTokens: output,
      });
    }

    const hour = Math.floor(completion.finished_at / HOUR_MS) * HOUR_MS;
    const clientIp = completion.client_ip ?? "";
    const clientKey = `${hour}\u0000${clientIp}\u0000${apiKeyId}`;
    const errors = completion.status === "success" ? 0 : 1;
    const lastSeen = Math.round(completion.finished_at);
    const client = this.clients.get(clientKey);
    if (client) {
      client.requests += 1;
      client.errors += errors;
      client.inputTokens += input;
      client.outputTokens += output;
      client.lastSeen = Math.max(client.lastSeen, lastSeen);
    } else {
      this.clients.set(clientKey, {
        hour,
        clientIp,
        apiKeyId,
        requests: 1,
        errors,
        inputTokens: input,
        outputTokens: output,
        lastSeen,
      });
    }
  }

  /** Hands everything over (for one flush) and starts empty. */
  take(): UsageBatch {
    const batch = { tokens: this.tokens, clients: this.clients };
    this.tokens = new Map();
    this.clients = new Map();
    return batch;
  }

  /** A failed flush: its aggregates wait again, merged with what came meanwhile. */
  putBack(batch: UsageBatch): void {
    for (const [key, row] of batch.tokens) {
      const existing = this.tokens.get(key);
      if (existing) addTokens(existing, row);
      else this.tokens.set(key, row);
    }
    for (const [key, row] of batch.clients) {
      const existing = this.clients.get(key);
      if (existing) addClient(existing, row);
      else this.clients.set(key, row);
    }
  }
}

type TokenSums = Pick<TokenDay, "requests" | "inputTokens" | "outputTokens">;

function addTokens(into: TokenSums, delta: TokenSums): void {
  into.requests += delta.requests;
  into.inputTokens += delta.inputTokens;
  into.outputTokens += delta.outputTokens;
}

function addClient(into: ClientHour, delta: TokenSums & Pick<ClientHour, "errors" | "lastSeen">): void {
  addTokens(into, delta);
  into.errors += delta.errors;
  into.lastSeen = Math.max(into.lastSeen, delta.lastSeen);
}
