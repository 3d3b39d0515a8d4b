// Owns the error vocabulary: AppError kinds, their HTTP status, and the OpenAI-shaped error body.

/** kind → [HTTP status, OpenAI error `type`]. The single table every error response goes through. */
const ERROR_KINDS = {
  bad_request: [400, "invalid_request_error"],
  unauthorized: [401, "authentication_error"],
  forbidden: [403, "permission_error"],
  not_found: [404, "invalid_request_error"],
  conflict: [409, "invalid_request_error"],
  payload_too_large: [413, "invalid_request_error"],
  rate_limited: [429, "rate_limit_error"],
  internal: [500, "server_error"],
  bad_gateway: [502, "upstream_error"],
  unavailable: [503, "service_unavailable"],
  gateway_timeout: [504, "timeout_error"],
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

export interface AppErrorOptions {
  /** Stable machine-readable code, e.g. `model_not_found`; defaults to the kind. */
  code?: string;
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  retryAfterSecs?: number;
  /** The request field or parameter at fault, when there is one. */
  param?: string;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly retryAfterSecs: number | undefined;
  readonly param: string | undefined;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = options.code ?? kind;
    this.retryAfterSecs = options.retryAfterSecs;
    this.param = options.param;
  }

  get status(): number {
    return ERROR_KINDS[this.kind][0];
  }
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string; param?: string };
}

export function errorStatus(kind: ErrorKind): number {
  return ERROR_KINDS[kind][0];
}

export function errorBody(error: AppError): OpenAiErrorBody {
  const body: OpenAiErrorBody = {
    error: { message: error.message, type: ERROR_KINDS[error.kind][1], code: error.code },
  };
  if (error.param !== undefined) body.error.param = error.param;
  return body;
}

/**
 * Turns anything thrown into an AppError: the AppError itself, or one a library wrapped (drizzle's "Failed
 * query" around the database's 503); unknown errors become a generic 500 (details go to the log only).
 */
export function toAppError(error: unknown): AppError {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (cause instanceof AppError) return cause;
    cause = cause.cause;
  }
  return new AppError("internal", "Internal server error", { cause: error });
}
