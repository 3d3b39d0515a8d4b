// Owns what llmlb learns about how one endpoint × model behaves under load — per-stream decode speed by
// requests in flight, prefill cost, the concurrency where requests start to queue (slots), model load
// cost — and the expected finish time of a new request from it. Pure: samples and `now` are passed in.

/** Concurrency levels of the learned curve: level i covers requests in flight in (2^(i-1), 2^i]. */
export const CURVE_LEVELS = 8;
/** EMA factor of every learned signal; the first sample is taken as is. */
export const LOAD_ALPHA = 0.3;
/** A request that ran with at most this many in flight (itself included, time-averaged) ran alone. */
export const SOLO_CONCURRENCY = 1.5;
/** Slot counts the fit tries, up to 2 × the highest level seen. */
const SLOT_CANDIDATES = [1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128];
/** Squared log error per unit weight the fit tolerates as "explains the curve as well". */
const FIT_TOLERANCE = 0.01;
/** An endpoint × model idle this long may have unloaded its model (Ollama's default keep_alive is 5 min). */
export const IDLE_UNLOAD_MS = 300_000;
/** Load delay assumed for a model the server reports as not loaded, before one was measured, ms. */
export const DEFAULT_LOAD_MS = 10_000;
/** A first-byte delay this much above the expected prefill after idle is a model load, ms. */
const LOAD_DETECT_MS = 1_000;
/** Forgetting factor of the prefill fit's sums per sample (≈ the last 20 samples count). */
const PREFILL_DECAY = 0.95;

/** One finished request, as the learner sees it. */
export interface LoadSample {
  /** Epoch ms when it finished. */
  finishedAt: number;
  /** Whole attempt, ms (dispatch to last byte). */
  durationMs: number;
  /** First upstream byte, ms after dispatch; null when unknown. */
  ttftMs: number | null;
  inputTokens: number;
  outputTokens: number;
  /** Whether the answer streamed (only then does TTFT separate prefill from decode). */
  stream: boolean;
  /** Mean requests in flight at the endpoint while it ran, itself included (≥ 1). */
  concurrency: number;
}

export interface CurvePoint {
  /** Mean requests in flight of the requests in this level, EMA. */
  concurrency: number;
  /** Whole-request ms per output token (queueing, prefill and decode), EMA: what the slot fit reads. */
  msPerToken: number | null;
  /** Per-stream decode tok/s, EMA. */
  decodeTps: number | null;
  /** Time to first byte, ms, EMA (it jumps where requests queue at the server). */
  ttftMs: number | null;
  samples: number;
}

export interface LoadProfile {
  /** curve[i]: requests that ran with about 2^i in flight. */
  curve: CurvePoint[];
  /** Decode tok/s of one stream running alone, EMA. */
  soloDecodeTps: number | null;
  /** Output tokens / whole-request seconds of a request running alone, EMA (non-streamed answers too). */
  soloRequestTps: number | null;
  /** Decayed least-squares sums of (prompt tokens → TTFT ms) over requests that ran alone and warm. */
  prefill: { n: number; x: number; y: number; xx: number; xy: number };
  /**
   * Concurrency up to which each request keeps its alone speed — beyond it requests share the server or
   * queue (1: the server shares its speed); null until requests ran at two or more levels.
   */
  slots: number | null;
  /** Alone ms per output token from the slot fit (stands in until solo speed and prefill are known). */
  fitMsPerToken: number | null;
  /** What the router multiplies: the alone-time model, refreshed after every sample; null until known. */
  alone: AloneModel | null;
  /** Learned cost of loading the model, ms; null until a cold start was seen. */
  loadMs: number | null;
  /** What the server reports (Ollama /api/ps); null when it does not say. */
  loaded: boolean | null;
  /** Epoch ms of the last finished request. */
  lastSeenAt: number | null;
  /** A cold-looking first byte waiting for a prefill estimate to measure the load cost against. */
  pendingCold: { ttftMs: number; inputTokens: number } | null;
  /** Epoch ms the model answered first after a (possible) cold start; requests sent earlier waited for it. */
  warmSince: number | null;
  samples: number;
}

export function emptyLoadProfile(): LoadProfile {
  const curve: CurvePoint[] = [];
  for (let i = 0; i < CURVE_LEVELS; i++)
    curve.push({ concurrency: 2 ** i, msPerToken: null, decodeTps: null, ttftMs: null, samples: 0 });
  return {
    curve,
    soloDecodeTps: null,
    soloRequestTps: null,
    prefill: { n: 0, x: 0, y: 0, xx: 0, xy: 0 },
    slots: null,
    fitMsPerToken: null,
    alone: null,
    loadMs: null,
    loaded: null,
    lastSeenAt: null,
    pendingCold: null,
    warmSince: null,
    samples: 0,
  };
}

const ema = (previous: number | null, sample: number) =>
  previous === null ? sample : previous + LOAD_ALPHA * (sample - previous);

/** The curve level of a concurrency: 1 → 0, 2 → 1, 3–4 → 2, 5–8 → 3, … */
export function levelOf(concurrency: number): number {
  const n = Math.max(1, Math.round(concurrency));
  return Math.min(CURVE_LEVELS - 1, Math.ceil(Math.log2(n)));
}

/** TTFT on the idle, warm server ≈ baseMs + msPerToken × prompt tokens; null until a request ran alone. */
export function prefillFit(profile: LoadProfile): { baseMs: number; msPerToken: number } | null {
  const { n, x, y, xx, xy } = profile.prefill;
  if (n <= 0) return null;
  const meanX = x / n;
  const meanY = y / n;
  const varX = xx / n - meanX * meanX;
  // Too little spread in prompt sizes to fit a slope: TTFT taken as proportional to the prompt.
  if (varX < 1e-6 * (meanX * meanX + 1)) {
    return meanX > 0 ? { baseMs: 0, msPerToken: meanY / meanX } : { baseMs: meanY, msPerToken: 0 };
  }
  const msPerToken = Math.max(0, (xy / n - meanX * meanY) / varX);
  return { baseMs: Math.max(0, meanY - msPerToken * meanX), msPerToken };
}

/** Expected TTFT of a prompt on the idle, warm server, ms; null until measured. */
export function prefillMs(profile: LoadProfile, inputTokens: number): number | null {
  const fit = prefillFit(profile);
  return fit === null ? null : fit.baseMs + fit.msPerToken * Math.max(inputTokens, 1);
}

/** The lowest curve level that measured `pick`, with its concurrency. */
function lowestPoint(profile: LoadProfile, pick: (point: CurvePoint) => number | null) {
  for (const point of profile.curve) {
    const value = pick(point);
    if (value !== null) return { value, stretch: Math.max(1, point.concurrency / (profile.slots ?? 1)) };
  }
  return null;
}

/** Alone time as a linear form: ms + perPromptToken × prompt + perOutputToken × output tokens. */
export interface AloneModel {
  ms: number;
  perPromptToken: number;
  perOutputToken: number;
}

/**
 * How long a request takes on the idle, warm server: prefill + decode at solo speed. An endpoint that
 * never ran a request alone (always busy) uses its lowest curve level, unstretched by the slot fit;
 * else the whole-request speed, else the fit's or the lowest level's ms per token; null until a request
 * with output finished.
 */
function aloneModel(profile: LoadProfile): AloneModel | null {
  const fit = prefillFit(profile);
  let first: AloneModel | null = fit
    ? { ms: fit.baseMs, perPromptToken: fit.msPerToken, perOutputToken: 0 }
    : null;
  if (first === null) {
    const low = lowestPoint(profile, (point) => point.ttftMs);
    first = low === null ? null : { ms: low.value / low.stretch, perPromptToken: 0, perOutputToken: 0 };
  }
  let decode = profile.soloDecodeTps;
  if (decode === null) {
    const low = lowestPoint(profile, (point) => point.decodeTps);
    decode = low === null ? null : low.value * low.stretch;
  }
  if (first !== null && decode !== null && decode > 0) {
    // The first token comes with the prefill; the others at the decode speed.
    return { ...first, ms: first.ms - 1000 / decode, perOutputToken: 1000 / decode };
  }
  if (profile.soloRequestTps !== null && profile.soloRequestTps > 0) {
    return { ms: 0, perPromptToken: 0, perOutputToken: 1000 / profile.soloRequestTps };
  }
  if (profile.fitMsPerToken !== null)
    return { ms: 0, perPromptToken: 0, perOutputToken: profile.fitMsPerToken };
  // Last resort (e.g. every TTFT so far overlapped a possible model load): whole-request ms per token.
  const low = lowestPoint(profile, (point) => point.msPerToken);
  return low === null ? null : { ms: 0, perPromptToken: 0, perOutputToken: low.value / low.stretch };
}

/** Time the request would take on the idle, warm server, ms (from the model kept by observeLoad). */
export function aloneMs(profile: LoadProfile, inputTokens: number, outputTokens: number): number | null {
  const model = profile.alone;
  if (model === null) return null;
  return (
    model.ms +
    model.perPromptToken * Math.max(1, inputTokens) +
    model.perOutputToken * Math.max(1, outputTokens)
  );
}

/** Whether the model may have to be loaded before the next request there starts. */
export function mayBeCold(profile: LoadProfile, now: number): boolean {
  if (profile.loaded !== null) return !profile.loaded;
  return profile.loadMs !== null && profile.lastSeenAt !== null && now - profile.lastSeenAt > IDLE_UNLOAD_MS;
}

/**
 * Expected ms from dispatch to the last token of a request (prompt, output tokens) sent to an endpoint
 * that has `inFlight` requests already: load (if cold) + alone time × max(1, (inFlight+1) / slots).
 * null while the profile cannot tell (the caller falls back to the measured averages).
 */
export function expectedFinishMs(
  profile: LoadProfile,
  inputTokens: number,
  outputTokens: number,
  inFlight: number,
  now: number,
): number | null {
  const alone = aloneMs(profile, inputTokens, outputTokens);
  if (alone === null) return null;
  const slots = profile.slots ?? 1;
  const stretch = Math.max(1, (inFlight + 1) / slots);
  const load = mayBeCold(profile, now) ? (profile.loadMs ?? DEFAULT_LOAD_MS) : 0;
  return load + alone * stretch;
}

function addPrefill(profile: LoadProfile, inputTokens: number, ttftMs: number): void {
  const p = profile.prefill;
  p.n = p.n * PREFILL_DECAY + 1;
  p.x = p.x * PREFILL_DECAY + inputTokens;
  p.y = p.y * PREFILL_DECAY + ttftMs;
  p.xx = p.xx * PREFILL_DECAY + inputTokens * inputTokens;
  p.xy = p.xy * PREFILL_DECAY + inputTokens * ttftMs;
}

/** TTFT expected on the idle, warm server: the prefill fit, else the lowest curve level's; null when unknown. */
function expectedTtftMs(profile: LoadProfile, inputTokens: number): number | null {
  const fitted = prefillMs(profile, inputTokens);
  if (fitted !== null) return fitted;
  const low = lowestPoint(profile, (point) => point.ttftMs);
  return low === null ? null : low.value / low.stretch;
}

/** Takes one successful request. Returns the profile (mutated). */
export function observeLoad(profile: LoadProfile, sample: LoadSample): LoadProfile {
  const start = sample.finishedAt - sample.durationMs;
  const wasCold =
    profile.loaded === false || profile.lastSeenAt === null || start - profile.lastSeenAt > IDLE_UNLOAD_MS;
  profile.samples += 1;
  profile.lastSeenAt = sample.finishedAt;
  profile.loaded = profile.loaded === null ? null : true;
  const c = Math.max(1, sample.concurrency);
  const ttft = sample.stream ? sample.ttftMs : null;
  // The part of the first byte spent waiting for a possible model load: kept out of every speed signal.
  let loadPart = 0;
  if (ttft !== null && wasCold) {
    profile.pendingCold = { ttftMs: ttft, inputTokens: sample.inputTokens };
    profile.warmSince = start + ttft;
    loadPart = ttft;
  } else if (ttft !== null && profile.warmSince !== null && start < profile.warmSince) {
    loadPart = Math.min(ttft, profile.warmSince - start);
  }
  const decodeMs = ttft === null ? 0 : sample.durationMs - ttft;
  const decodeTps =
    ttft !== null && sample.outputTokens > 1 && decodeMs > 0
      ? (sample.outputTokens - 1) / (decodeMs / 1000)
      : null;
  const point = profile.curve[levelOf(c)] as CurvePoint;
  point.concurrency = point.samples === 0 ? c : point.concurrency + LOAD_ALPHA * (c - point.concurrency);
  point.samples += 1;
  if (sample.outputTokens > 0 && sample.durationMs - loadPart > 0) {
    point.msPerToken = ema(point.msPerToken, (sample.durationMs - loadPart) / sample.outputTokens);
  }
  if (decodeTps !== null) point.decodeTps = ema(point.decodeTps, decodeTps);
  if (ttft !== null && loadPart === 0) point.ttftMs = ema(point.ttftMs, ttft);
  if (c <= SOLO_CONCURRENCY) {
    if (sample.outputTokens > 0 && sample.durationMs - loadPart > 0 && !wasCold) {
      const seconds = (sample.durationMs - loadPart) / 1000;
      profile.soloRequestTps = ema(profile.soloRequestTps, sample.outputTokens / seconds);
    }
    if (decodeTps !== null) profile.soloDecodeTps = ema(profile.soloDecodeTps, decodeTps);
    if (ttft !== null && loadPart === 0) addPrefill(profile, sample.inputTokens, ttft);
  }
  fitSlots(profile);
  settlePendingCold(profile);
  profile.alone = aloneModel(profile);
  return profile;
}

/**
 * A first byte after idle (or while reported unloaded) is measured against the warm TTFT once that is
 * known: far above it (by ≥ 1 s and ≥ 2×) it was a model load, and the excess is its cost.
 */
function settlePendingCold(profile: LoadProfile): void {
  const pending = profile.pendingCold;
  if (!pending) return;
  const expected = expectedTtftMs(profile, pending.inputTokens);
  if (expected === null) return;
  profile.pendingCold = null;
  const excess = pending.ttftMs - expected;
  if (excess > Math.max(LOAD_DETECT_MS, 2 * expected)) profile.loadMs = ema(profile.loadMs, excess);
  else profile.warmSince = null;
}

/** log(slots) per candidate, and per-call scratch for fitSlots (the event loop runs one fit at a time). */
const LOG_SLOTS = SLOT_CANDIDATES.map((slots) => Math.log(slots));
const fitErrors = new Float64Array(SLOT_CANDIDATES.length);
const fitMeans = new Float64Array(SLOT_CANDIDATES.length);
const pointLogMs = new Float64Array(CURVE_LEVELS);
const pointLogC = new Float64Array(CURVE_LEVELS);
const pointWeight = new Float64Array(CURVE_LEVELS);

/**
 * Slots from the curve: under the model a request's time per token is m × max(1, c / slots) at c in
 * flight. Tries each candidate on the log ms-per-token of every measured level (weighted by samples, up
 * to 8); among those that fit about as well as the best, see below. Runs on every completion: the logs are
 * taken once per level and nothing is allocated (it was ≈ 2.5 % of Bun's busy CPU at c=50 with an array of
 * fits and two logs per level and candidate).
 */
function fitSlots(profile: LoadProfile): void {
  let levels = 0;
  let highest = 1;
  for (const point of profile.curve) {
    if (point.msPerToken === null) continue;
    pointLogMs[levels] = Math.log(point.msPerToken);
    pointLogC[levels] = Math.log(point.concurrency);
    pointWeight[levels] = Math.min(point.samples, 8);
    levels += 1;
    highest = Math.max(highest, point.concurrency);
  }
  if (levels < 2) return;
  let best = Number.POSITIVE_INFINITY;
  let bestIndex = 0;
  let fitted = 0;
  for (let k = 0; k < SLOT_CANDIDATES.length; k++) {
    if ((SLOT_CANDIDATES[k] as number) > 2 * highest && fitted > 0) break;
    const logSlots = LOG_SLOTS[k] as number;
    let weight = 0;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < levels; i++) {
      const w = pointWeight[i] as number;
      // log(max(1, c / slots)) = max(0, log c − log slots)
      const residual = (pointLogMs[i] as number) - Math.max(0, (pointLogC[i] as number) - logSlots);
      weight += w;
      sum += w * residual;
      squares += w * residual * residual;
    }
    const mean = sum / weight;
    const error = squares / weight - mean * mean;
    fitErrors[k] = error;
    fitMeans[k] = mean;
    fitted += 1;
    if (error < best) {
      best = error;
      bestIndex = k;
    }
  }
  // Data that pure sharing explains is sharing (the conservative reading); a curve flat up to the cap says
  // "at least this many" (probe upward); otherwise the best fit marks the knee.
  let chosen = bestIndex;
  if ((fitErrors[0] as number) <= best + FIT_TOLERANCE) chosen = 0;
  else if ((fitErrors[fitted - 1] as number) <= best + FIT_TOLERANCE) chosen = fitted - 1;
  profile.slots = SLOT_CANDIDATES[chosen] as number;
  profile.fitMsPerToken = Math.exp(fitMeans[chosen] as number);
}
