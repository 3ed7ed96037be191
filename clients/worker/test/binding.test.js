// The binding in plain node (node --test): WAE's messages and coercions, the per-invocation
// limit, and flush's retries with one Idempotency-Key. The real runtime is exercised by
// tests/clients/test_worker_binding.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { UsagehouseDataset, withUsagehouse } from "../usagehouse.js";
import { CASES } from "./cases.js";

const OPTIONS = { url: "http://usagehouse.test/", accountId: "acct", dataset: "usage" };

/** A fetch that answers from `replies` in turn and records every request. */
function fakeFetch(replies) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, headers: init.headers, body: init.body });
    const reply = replies[Math.min(calls.length - 1, replies.length - 1)];
    if (reply instanceof Error) throw reply;
    const [status, body, headers = {}] = reply;
    return new Response(JSON.stringify(body), { status, headers });
  };
  return { fetch, calls };
}

/** The stored point for one case, or the message it throws. */
function outcome(name) {
  const dataset = new UsagehouseDataset(OPTIONS);
  try {
    dataset.writeDataPoint(...CASES[name]());
  } catch (error) {
    return error.message;
  }
  const { timestamp, ...point } = dataset._buffer[0];
  assert.equal(typeof timestamp, "number");
  return point;
}

test("workerd's messages, stray parentheses included", () => {
  assert.equal(outcome("index_two"), "writeDataPoint(): Maximum of 1 indexes supported.");
  assert.equal(outcome("index_97_bytes"), "writeDataPoint(): Size of indexes[0] exceeds 96 bytes).");
  assert.equal(outcome("index_98_utf8_bytes"), "writeDataPoint(): Size of indexes[0] exceeds 96 bytes).");
  assert.equal(outcome("blobs_21_nulls"), "writeDataPoint(): Maximum of 20 blobs supported.");
  assert.equal(
    outcome("blobs_16001_utf8_bytes"),
    "writeDataPoint(): Cumulative size of blobs exceeds 16000 bytes).",
  );
  assert.equal(outcome("doubles_21"), "writeDataPoint(): Maximum of 20 doubles supported.");
  assert.equal(
    outcome("string_argument"),
    "Failed to execute 'writeDataPoint' on 'AnalyticsEngine': parameter 1 is not of type 'AnalyticsEngineEvent'.",
  );
  assert.equal(
    outcome("recipe_old_docs_blobs_object"),
    "Incorrect type for the 'blobs' field on 'AnalyticsEngineEvent': the provided value is not of type 'Array'.",
  );
  assert.equal(outcome("doubles_bigint"), "Cannot convert a BigInt value to a number");
  assert.equal(outcome("index_symbol_before_count"), "Cannot convert a Symbol value to a string");
  assert.equal(outcome("order_indexes_before_blobs"), "writeDataPoint(): Maximum of 1 indexes supported.");
  assert.equal(outcome("order_blobs_before_doubles"), "writeDataPoint(): Maximum of 20 blobs supported.");
  assert.equal(outcome("order_getters"), "indexes getter");
});

test("coercions: numbers to strings, numeric strings to numbers, unknown keys ignored", () => {
  assert.deepEqual(outcome("recipe"), { indexes: ["customer-42"], blobs: ["/api/export"] });
  assert.deepEqual(outcome("blobs_coerced"), {
    blobs: ["1", "2.5", "true", null, null, "s", "0", "1e+21", "NaN", "10"],
  });
  assert.deepEqual(outcome("doubles_numeric_strings"), { doubles: [12, 3, 16, 0, 1000, 5, 0.5, 3] });
  assert.deepEqual(outcome("doubles_not_numbers"), { doubles: [0, 0, 0, 0, 0, 0] });
  assert.deepEqual(outcome("unknown_keys_ignored"), { indexes: ["a"] });
  assert.deepEqual(outcome("index_null"), {});
  assert.deepEqual(outcome("null_argument"), {});
  assert.deepEqual(outcome("index_typed_array"), { indexes: ["hi"] });
  assert.deepEqual(outcome("blobs_holes"), { blobs: [null, "b", null, "d"] });
  assert.deepEqual(outcome("blobs_null_does_not_count"), { blobs: [null, "x".repeat(16000)] });
});

test("a bad call throws for itself only; the others of the invocation are sent", async () => {
  const { fetch, calls } = fakeFetch([[200, { ok: true, accepted: 2, stored: 2 }]]);
  const dataset = new UsagehouseDataset({ ...OPTIONS, fetch });
  dataset.writeDataPoint({ indexes: ["a"] });
  assert.throws(() => dataset.writeDataPoint({ doubles: Array(21).fill(1) }), TypeError);
  dataset.writeDataPoint({ indexes: ["b"] });
  const result = await dataset.flush();
  assert.equal(result.ok, true);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, "http://usagehouse.test/v1/accounts/acct/datasets/usage/points");
  assert.deepEqual(
    JSON.parse(calls[0].body).map((p) => p.indexes[0]),
    ["a", "b"],
  );
});

test("the 251st call of an invocation throws WAE's write limit error", async () => {
  const { fetch, calls } = fakeFetch([[200, { ok: true, accepted: 250, stored: 250 }]]);
  const dataset = new UsagehouseDataset({ ...OPTIONS, fetch });
  for (let i = 0; i < 250; i++) dataset.writeDataPoint({ doubles: [i] });
  assert.throws(() => dataset.writeDataPoint({}), { message: "Analytics Engine write limit exceeded." });
  await dataset.flush();
  assert.throws(() => dataset.writeDataPoint({}), { message: "Analytics Engine write limit exceeded." });
  assert.equal(JSON.parse(calls[0].body).length, 250);
});

test("retries keep the Idempotency-Key and the body; Retry-After is obeyed", async () => {
  const { fetch, calls } = fakeFetch([
    [503, { ok: false }, { "Retry-After": "0" }],
    new TypeError("network connection lost"),
    [200, { ok: true, accepted: 1, stored: 1 }],
  ]);
  const dataset = new UsagehouseDataset({ ...OPTIONS, token: "tok", fetch, backoffMs: 1 });
  dataset.writeDataPoint({ indexes: ["a"] });
  const result = await dataset.flush();
  assert.deepEqual(
    [result.ok, result.attempts, result.accepted],
    [true, 3, 1],
  );
  const keys = new Set(calls.map((c) => c.headers["Idempotency-Key"]));
  assert.equal(keys.size, 1);
  assert.equal(new Set(calls.map((c) => c.body)).size, 1);
  assert.equal(calls[0].headers.Authorization, "Bearer tok");
});

test("a 400 is not retried and is reported; the next flush has a new key", async () => {
  const { fetch, calls } = fakeFetch([[400, { ok: false, error: "bad" }], [200, { ok: true }]]);
  const failures = [];
  const dataset = new UsagehouseDataset({ ...OPTIONS, fetch, onError: (f) => failures.push(f) });
  const logged = console.error;
  console.error = () => {};
  dataset.writeDataPoint({});
  const result = await dataset.flush().finally(() => (console.error = logged));
  assert.deepEqual([result.ok, result.status, calls.length, failures.length], [false, 400, 1, 1]);
  dataset.writeDataPoint({});
  await dataset.flush();
  assert.notEqual(calls[0].headers["Idempotency-Key"], calls[1].headers["Idempotency-Key"]);
});

test("withUsagehouse: one buffer per invocation, flushed in waitUntil, late writes too", async () => {
  const { fetch, calls } = fakeFetch([[200, { ok: true }]]);
  const worker = withUsagehouse(
    {
      async fetch(request, env, ctx) {
        env.USAGE.writeDataPoint({ indexes: [request], blobs: [env.OTHER] });
        const later = new Promise((resolve) => setTimeout(resolve, 1));
        ctx.waitUntil(later.then(() => env.USAGE.writeDataPoint({ indexes: ["late"] })));
        return "response";
      },
    },
    () => ({ USAGE: new UsagehouseDataset({ ...OPTIONS, fetch }) }),
  );
  const waited = [];
  const ctx = { waitUntil: (promise) => waited.push(promise) };
  assert.equal(await worker.fetch("c1", { OTHER: "kept" }, ctx), "response");
  assert.equal(await worker.fetch("c2", { OTHER: "kept" }, ctx), "response");
  while (waited.length) await waited.shift(); // the late writes add their own flushes
  const bodies = calls.map((c) => JSON.parse(c.body).map((p) => p.indexes[0]));
  assert.deepEqual(bodies.sort(), [["c1"], ["c2"], ["late"], ["late"]]);
  assert.deepEqual(JSON.parse(calls[0].body)[0].blobs, ["kept"]);
});

test("constructor options are checked", () => {
  assert.throws(() => new UsagehouseDataset({ ...OPTIONS, dataset: "a b" }), /invalid dataset name/);
  assert.throws(() => new UsagehouseDataset({ ...OPTIONS, url: "" }), /`url` is required/);
});
