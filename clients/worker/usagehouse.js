// Usagehouse binding for Cloudflare Workers: `writeDataPoint()` with Workers Analytics Engine's
// semantics, sending the points of one invocation to a Usagehouse server in one request.
//
// Validation, coercions and error messages follow workerd's own binding
// (src/workerd/api/analytics-engine.{h,c++}, analytics-engine-impl.h and JSG's conversions),
// checked against the real runtime by tests/clients/test_worker_binding.py.
//
// Plain JavaScript, no dependencies, no build step: copy this file next to your Worker.

/** WAE's limits, as workerd enforces them (analytics-engine-impl.h). */
export const LIMITS = Object.freeze({
  indexes: 1,
  indexBytes: 96,
  blobs: 20,
  blobBytes: 16000,
  doubles: 20,
  // Data points per Worker invocation (Cloudflare's documented limit since December 2025).
  pointsPerInvocation: 250,
});

const PREFIX = "writeDataPoint(): ";
const WRITE_LIMIT_EXCEEDED = "Analytics Engine write limit exceeded.";
const NOT_AN_EVENT =
  "Failed to execute 'writeDataPoint' on 'AnalyticsEngine': " +
  "parameter 1 is not of type 'AnalyticsEngineEvent'.";
// The server's dataset name grammar (server/ingest/points.py DATASET_NAME).
const DATASET_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
// Answers worth another attempt; anything else (400, 401, 403, 413, 422...) will not change.
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** UTF-8 length of a JS string; a lone surrogate counts 3 bytes, as workerd stores it. */
function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * One element of `indexes` or `blobs`, as JSG converts `(ArrayBuffer | string) | null`:
 * null and undefined (and array holes) are "no value"; an ArrayBuffer or a view of one is
 * its bytes; anything else becomes its string (`1` -> "1", `{}` -> "[object Object]"; a
 * Symbol throws V8's TypeError). Returns `[text, bytes]` or null.
 */
function toBytesOrString(value) {
  if (value === undefined || value === null) return null;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const view =
      value instanceof ArrayBuffer
        ? new Uint8Array(value)
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    // Usagehouse stores text: valid UTF-8 arrives unchanged, invalid bytes as U+FFFD.
    const text = decoder.decode(view);
    return [text, Math.max(view.byteLength, utf8Length(text))];
  }
  const text = `${value}`; // ToString, as V8's String conversion; throws for a Symbol
  // A lone surrogate is 3 bytes in workerd's encoding and as U+FFFD: the size is the same,
  // and JSON carries only well-formed text.
  return [text.toWellFormed(), utf8Length(text)];
}

/** One element of `doubles`: ToNumber, as JSG converts a `double` ("12" -> 12, null -> 0). */
function toDouble(value) {
  return +value; // throws V8's TypeError for a BigInt or a Symbol, as workerd does
}

/** A field of the event: undefined, or an Array converted element by element. */
function field(event, name, convert) {
  const value = event[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Incorrect type for the '${name}' field on 'AnalyticsEngineEvent': ` +
        "the provided value is not of type 'Array'.",
    );
  }
  const out = new Array(value.length);
  for (let i = 0; i < value.length; i++) out[i] = convert(value[i]);
  return out;
}

/**
 * The argument of `writeDataPoint()`, converted as JSG does before workerd's code runs:
 * fields are read in the order indexes, doubles, blobs; other keys are ignored.
 */
function convert(event) {
  if (event === undefined || event === null) return {};
  if (typeof event !== "object" && typeof event !== "function") {
    throw new TypeError(NOT_AN_EVENT);
  }
  const indexes = field(event, "indexes", toBytesOrString);
  const doubles = field(event, "doubles", toDouble);
  const blobs = field(event, "blobs", toBytesOrString);
  return { indexes, doubles, blobs };
}

/** workerd's limit checks, in its order, with its messages (stray ")" included). */
function check({ indexes, doubles, blobs }) {
  if (indexes !== undefined) {
    if (indexes.length > LIMITS.indexes) {
      throw new TypeError(`${PREFIX}Maximum of ${LIMITS.indexes} indexes supported.`);
    }
    if (indexes.length === 1 && indexes[0] !== null && indexes[0][1] > LIMITS.indexBytes) {
      throw new TypeError(`${PREFIX}Size of indexes[0] exceeds ${LIMITS.indexBytes} bytes).`);
    }
  }
  if (blobs !== undefined) {
    if (blobs.length > LIMITS.blobs) {
      throw new TypeError(`${PREFIX}Maximum of ${LIMITS.blobs} blobs supported.`);
    }
    let size = 0;
    for (const blob of blobs) if (blob !== null) size += blob[1];
    if (size > LIMITS.blobBytes) {
      throw new TypeError(
        `${PREFIX}Cumulative size of blobs exceeds ${LIMITS.blobBytes} bytes).`,
      );
    }
  }
  if (doubles !== undefined && doubles.length > LIMITS.doubles) {
    throw new TypeError(`${PREFIX}Maximum of ${LIMITS.doubles} doubles supported.`);
  }
}

/** The point as Usagehouse's write API takes it (JSON: no NaN or Infinity, see docs/write-api.md). */
function toPoint({ indexes, doubles, blobs }, timestamp) {
  const point = { timestamp };
  if (indexes !== undefined && indexes.length === 1 && indexes[0] !== null) {
    point.indexes = [indexes[0][0]];
  }
  if (blobs !== undefined && blobs.length) point.blobs = blobs.map((b) => (b === null ? null : b[0]));
  if (doubles !== undefined && doubles.length) {
    point.doubles = doubles.map((d) => (Number.isFinite(d) ? d : 0));
  }
  return point;
}

/** Milliseconds to wait before the next attempt: the server's Retry-After, or backoff. */
function retryDelay(attempt, retryAfter, backoffMs, maxBackoffMs) {
  if (retryAfter !== null && retryAfter !== "") {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), maxBackoffMs);
  }
  const ceiling = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
  return ceiling / 2 + (Math.random() * ceiling) / 2; // jitter: retries of many isolates spread
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A dataset on a Usagehouse server with WAE's `writeDataPoint()`. One instance buffers the
 * points of one invocation (at most 250, as on WAE); `flush()` sends them in one request.
 * `withUsagehouse()` constructs the instances per invocation and flushes them for you.
 */
export class UsagehouseDataset {
  /**
   * @param {object} options
   * @param {string} options.url the server, e.g. "https://usage.example.com"
   * @param {string} options.accountId the account the points belong to
   * @param {string} options.dataset the dataset (the table name in SQL)
   * @param {string} [options.token] a token with scope `w` (none for a local-dev server)
   * @param {number} [options.maxPoints] points per invocation, 250 as on WAE
   * @param {number} [options.attempts] requests per flush before giving up (5)
   * @param {number} [options.backoffMs] first retry delay without Retry-After (200)
   * @param {number} [options.maxBackoffMs] longest wait between attempts (5000)
   * @param {(failure: object) => void} [options.onError] called when a flush gives up
   * @param {typeof fetch} [options.fetch] the fetch to use (a service binding's, in tests)
   */
  constructor({
    url,
    accountId,
    dataset,
    token,
    maxPoints = LIMITS.pointsPerInvocation,
    attempts = 5,
    backoffMs = 200,
    maxBackoffMs = 5000,
    onError,
    fetch: fetchImpl,
  } = {}) {
    if (!url) throw new TypeError("UsagehouseDataset: `url` is required");
    if (!accountId) throw new TypeError("UsagehouseDataset: `accountId` is required");
    if (!DATASET_NAME.test(dataset ?? "")) {
      throw new TypeError(
        `UsagehouseDataset: invalid dataset name ${JSON.stringify(dataset)}: use 1-64 ` +
          "characters from A-Z a-z 0-9 _ -, starting with a letter or underscore",
      );
    }
    this.dataset = dataset;
    this.endpoint =
      `${String(url).replace(/\/+$/, "")}/v1/accounts/${encodeURIComponent(accountId)}` +
      `/datasets/${encodeURIComponent(dataset)}/points`;
    this._headers = { "Content-Type": "application/json" };
    if (token) this._headers.Authorization = `Bearer ${token}`;
    this._maxPoints = maxPoints;
    this._attempts = Math.max(1, attempts);
    this._backoffMs = backoffMs;
    this._maxBackoffMs = maxBackoffMs;
    this._onError = onError;
    this._fetch = fetchImpl ?? ((...args) => fetch(...args));
    this._buffer = [];
    this._written = 0; // calls that passed conversion, as WAE counts them
    this._ctx = null; // set once the handler returned: later writes flush on their own
    this._scheduled = false;
  }

  /** Points waiting for the next flush. */
  get pending() {
    return this._buffer.length;
  }

  /**
   * WAE's `writeDataPoint({indexes, blobs, doubles})`: returns nothing; throws a TypeError
   * (workerd's message) for an invalid call, which then writes nothing.
   */
  writeDataPoint(event) {
    const converted = convert(event);
    if (this._written >= this._maxPoints) throw new Error(WRITE_LIMIT_EXCEEDED);
    this._written++;
    check(converted);
    this._buffer.push(toPoint(converted, Date.now()));
    if (this._ctx !== null && !this._scheduled) {
      // After the handler returned (e.g. inside its own waitUntil work): send this tick's
      // points together, kept alive by the same invocation.
      this._scheduled = true;
      this._ctx.waitUntil(
        Promise.resolve().then(() => {
          this._scheduled = false;
          return this.flush();
        }),
      );
    }
  }

  /**
   * Let the invocation end: send what is buffered now, inside `ctx.waitUntil`, and any
   * point written later as soon as it is written. `withUsagehouse` calls this.
   */
  close(ctx) {
    this._ctx = ctx;
    ctx.waitUntil(this.flush());
  }

  /**
   * Send the buffered points in one request with one Idempotency-Key, retrying network
   * errors, 408, 429 and 5xx with the same key and body (the server writes them once).
   * Never rejects: resolves to `{ok, points, attempts, status, ...}`; a failure is
   * logged and passed to `onError`.
   */
  async flush() {
    const points = this._buffer;
    if (!points.length) return { ok: true, points: 0, attempts: 0 };
    this._buffer = [];
    const init = {
      method: "POST",
      headers: { ...this._headers, "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify(points),
    };
    let failure;
    for (let attempt = 1; attempt <= this._attempts; attempt++) {
      let status = 0;
      let retryAfter = null;
      try {
        const response = await this._fetch(this.endpoint, init);
        status = response.status;
        const text = await response.text();
        if (response.ok) {
          const answer = JSON.parse(text);
          return { ok: true, points: points.length, attempts: attempt, status, ...answer };
        }
        retryAfter = response.headers.get("Retry-After");
        failure = { status, error: text.slice(0, 500) };
      } catch (error) {
        failure = { status, error: String(error) };
      }
      if (status !== 0 && !RETRY_STATUSES.has(status)) break;
      if (attempt < this._attempts) {
        await sleep(retryDelay(attempt, retryAfter, this._backoffMs, this._maxBackoffMs));
      }
    }
    const result = { ok: false, points: points.length, dataset: this.dataset, ...failure };
    console.error(
      `usagehouse: ${points.length} data points for dataset ${this.dataset} were not ` +
        `written: ${failure.status || "network error"} ${failure.error}`,
    );
    if (this._onError) this._onError(result);
    return result;
  }
}

/**
 * Wrap a Worker's handler object so that `env` carries Usagehouse datasets: `bindings(env)`
 * returns `{NAME: new UsagehouseDataset(...)}` and is called once per invocation (each
 * invocation buffers its own points); when the handler has returned (or thrown), the
 * points are sent from `ctx.waitUntil`.
 */
export function withUsagehouse(handler, bindings) {
  const wrapped = {};
  for (const [name, value] of Object.entries(handler)) {
    if (typeof value !== "function") {
      wrapped[name] = value;
      continue;
    }
    wrapped[name] = async function (input, env, ctx, ...rest) {
      const datasets = bindings(env, ctx);
      try {
        return await value.call(this, input, { ...env, ...datasets }, ctx, ...rest);
      } finally {
        for (const dataset of Object.values(datasets)) dataset.close(ctx);
      }
    };
  }
  return wrapped;
}
