// Owns deciding an endpoint's server type from the answers to the detection probes (pure).
import type { EndpointType } from "./types.js";

/** One detection probe's answer: an HTTP response (any status) or a transport error. */
export type ProbeAnswer =
  | { status: number; headers: Record<string, string>; json: unknown }
  | { error: string };

export interface DetectionAnswers {
  /** GET /api/system */
  system: ProbeAnswer;
  /** GET /api/v1/models */
  lmStudioModels: ProbeAnswer;
  /** GET /api/tags */
  tags: ProbeAnswer;
  /** GET /v1/models */
  models: ProbeAnswer;
}

export type Detection =
  | { kind: "detected"; type: EndpointType }
  /** Something answered over HTTP but matched no signal (e.g. 401 everywhere). */
  | { kind: "unrecognised"; reason: string }
  /** No probe got an HTTP response. */
  | { kind: "unreachable"; reason: string };

type Answered = Extract<ProbeAnswer, { status: number }>;

function answered(answer: ProbeAnswer): Answered | null {
  return "status" in answer ? answer : null;
}

function okJson(answer: ProbeAnswer): Record<string, unknown> | null {
  const response = answered(answer);
  if (!response || response.status < 200 || response.status >= 300) return null;
  const { json } = response;
  return json !== null && typeof json === "object" && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : null;
}

function items(body: Record<string, unknown> | null, ...keys: string[]): Record<string, unknown>[] {
  for (const key of keys) {
    const list = body?.[key];
    if (Array.isArray(list)) return list.filter((item) => item !== null && typeof item === "object");
  }
  return [];
}

function serverHeaders(answers: DetectionAnswers): string {
  return Object.values(answers)
    .map((answer) => answered(answer)?.headers.server ?? "")
    .join(" ")
    .toLowerCase();
}

function ownedBy(answers: DetectionAnswers): string {
  return items(okJson(answers.models), "data")
    .map((item) => String(item.owned_by ?? ""))
    .join(" ")
    .toLowerCase();
}

/** Signals in priority order: xLLM, LM Studio, Ollama, vLLM, llama.cpp, OpenAI-compatible. */
export function decideType(answers: DetectionAnswers): Detection {
  const server = serverHeaders(answers);
  const owners = ownedBy(answers);
  if (okJson(answers.system)?.xllm_version !== undefined) return { kind: "detected", type: "xllm" };
  const lmItems = items(okJson(answers.lmStudioModels), "data", "models");
  const lmStudioItems = lmItems.some(
    (item) => "publisher" in item && ("arch" in item || "architecture" in item),
  );
  if (lmStudioItems || server.includes("lmstudio") || owners.includes("lmstudio")) {
    return { kind: "detected", type: "lm_studio" };
  }
  if (Array.isArray(okJson(answers.tags)?.models)) return { kind: "detected", type: "ollama" };
  if (server.includes("vllm") || owners.includes("vllm")) return { kind: "detected", type: "vllm" };
  if (server.includes("llama.cpp") || owners.includes("llamacpp"))
    return { kind: "detected", type: "llamacpp" };
  if (Array.isArray(okJson(answers.models)?.data)) return { kind: "detected", type: "openai_compatible" };

  const responses = Object.values(answers).map(answered);
  const modelsAnswer = answers.models;
  if (responses.some((response) => response !== null)) {
    const reason =
      "status" in modelsAnswer
        ? `GET /v1/models answered HTTP ${modelsAnswer.status} without a model list`
        : `GET /v1/models failed: ${modelsAnswer.error}`;
    return { kind: "unrecognised", reason };
  }
  return { kind: "unreachable", reason: "error" in modelsAnswer ? modelsAnswer.error : "no answer" };
}
