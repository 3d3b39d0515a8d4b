// Owns the documented response shapes of the request log's detail, the token statistics and the client
// views, each tied at compile time to the type its builder returns (as response-schemas.ts does).
import * as v from "valibot";
import type {
  ClientDetailJson,
  ClientHeatmapJson,
  ClientsJson,
  ClientTimelineJson,
} from "../dashboard/client-stats.js";
import type { RequestDetailJson } from "../dashboard/request-detail.js";
import type { DailyTokensJson, MonthlyTokensJson, TokenTotalsJson } from "../dashboard/token-stats.js";
import { RequestResponses } from "./response-schemas.js";

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const isoTime = v.pipe(v.string(), v.isoTimestamp());
const record = RequestResponses.entries.records.item;

export const RequestDetail = v.strictObject({
  ...record.entries,
  api_key_id: v.nullable(v.string()),
  api_key_name: v.nullable(v.string()),
  attempts: v.array(
    v.strictObject({
      endpoint_id: v.string(),
      endpoint_name: v.string(),
      status_code: v.nullable(v.number()),
      error: v.nullable(v.string()),
    }),
  ),
  request_body: v.nullable(v.string()),
  response_body: v.nullable(v.string()),
  request_body_truncated: v.boolean(),
  response_body_truncated: v.boolean(),
});

export const TokenTotals = v.strictObject({
  total_input_tokens: count,
  total_output_tokens: count,
  total_requests: count,
});

const tokenFigures = {
  input_tokens: count,
  output_tokens: count,
  requests: count,
  group_id: v.optional(v.string()),
  group_name: v.optional(v.nullable(v.string())),
};
export const DailyTokens = v.array(v.strictObject({ date: v.string(), ...tokenFigures }));
export const MonthlyTokens = v.array(v.strictObject({ month: v.string(), ...tokenFigures }));

const clientFigures = {
  requests: count,
  errors: count,
  input_tokens: count,
  output_tokens: count,
  last_seen: isoTime,
};
const ipClient = v.strictObject({ client_ip: v.nullable(v.string()), ...clientFigures });
export const Clients = v.strictObject({
  group_by: v.picklist(["ip", "api_key"]),
  clients: v.array(
    v.union([
      ipClient,
      v.strictObject({
        api_key_id: v.nullable(v.string()),
        api_key_name: v.nullable(v.string()),
        ...clientFigures,
      }),
    ]),
  ),
});
export const ClientTimeline = v.strictObject({
  hours: v.array(isoTime),
  clients: v.array(v.strictObject({ client_ip: v.nullable(v.string()), requests: v.array(count) })),
});
export const ClientHeatmap = v.strictObject({
  cells: v.array(v.strictObject({ weekday: count, hour: count, requests: count })),
  max_requests: count,
});
export const ClientDetail = v.strictObject({
  ...ipClient.entries,
  models: v.array(
    v.strictObject({ model: v.string(), requests: count, input_tokens: count, output_tokens: count }),
  ),
  api_keys: v.array(
    v.strictObject({
      api_key_id: v.nullable(v.string()),
      api_key_name: v.nullable(v.string()),
      requests: count,
    }),
  ),
  recent_requests: v.array(record),
});

type Conforms<Actual extends Documented, Documented> = [Actual, Documented];
type Doc<S extends v.GenericSchema> = v.InferOutput<S>;
export type RequestLogSchemaChecks = [
  Conforms<RequestDetailJson, Doc<typeof RequestDetail>>,
  Conforms<TokenTotalsJson, Doc<typeof TokenTotals>>,
  Conforms<DailyTokensJson[], Doc<typeof DailyTokens>>,
  Conforms<MonthlyTokensJson[], Doc<typeof MonthlyTokens>>,
  Conforms<ClientsJson, Doc<typeof Clients>>,
  Conforms<ClientTimelineJson, Doc<typeof ClientTimeline>>,
  Conforms<ClientHeatmapJson, Doc<typeof ClientHeatmap>>,
  Conforms<ClientDetailJson, Doc<typeof ClientDetail>>,
];
