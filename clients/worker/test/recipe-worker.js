// The usage-billing recipe's Worker with the Usagehouse binding, as the test suite runs it in
// workerd (tests/clients/test_worker_binding.py). Only the binding construction differs from
// what runs on Cloudflare. Two test routes sit beside it:
//   /__health       answers without writing (the test waits for it)
//   /__cases        every case of cases.js through the binding in one invocation (sent)
//   /__differential every case through workerd's own binding (env.AE) and ours (not sent)
import { UsagehouseDataset, withUsagehouse } from "../usagehouse.js";
import { CASES } from "./cases.js";

const usagehouse = (env, dataset) =>
  new UsagehouseDataset({
    url: env.USAGEHOUSE_URL,
    accountId: env.USAGEHOUSE_ACCOUNT_ID,
    token: env.USAGEHOUSE_TOKEN,
    dataset,
    backoffMs: 50,
  });

/** Each case's thrown message, or null when the call wrote a point. */
function runCases(dataset) {
  const thrown = {};
  for (const [name, args] of Object.entries(CASES)) {
    try {
      dataset.writeDataPoint(...args());
      thrown[name] = null;
    } catch (error) {
      thrown[name] = error.message;
    }
  }
  return Response.json(thrown);
}

/** Each case through env.AE and through ours: what each threw, the event workerd sent, and
 * the point ours would send. Cases run one at a time so each event is matched to its case. */
async function differential(env) {
  const results = {};
  for (const [name, args] of Object.entries(CASES)) {
    let real = null;
    let ours = null;
    try {
      env.AE.writeDataPoint(...args());
    } catch (error) {
      real = error.message;
    }
    const dataset = new UsagehouseDataset({ url: "http://unused", accountId: "a", dataset: "d" });
    try {
      dataset.writeDataPoint(...args());
    } catch (error) {
      ours = error.message;
    }
    let events = [];
    // workerd sends its event in the background; a limit error there sends none (its message
    // goes to workerd's log, which the test reads).
    if (real === null && ours === null) {
      for (let i = 0; i < 200 && !events.length; i++) {
        await scheduler.wait(5);
        events = await (await env.CAPTURE.fetch("http://capture/take")).json();
      }
    }
    results[name] = { real, ours, events, point: dataset._buffer[0] ?? null };
  }
  return Response.json(results);
}

export default withUsagehouse(
  {
    async fetch(request, env, ctx) {
      const url = new URL(request.url);
      if (url.pathname === "/__health") return new Response("up");
      if (url.pathname === "/__cases") return runCases(env.CASES);
      if (url.pathname === "/__differential") return differential(env);

      // The recipe's code, unchanged.
      const customer_id = request.headers.get("X-Customer-Id");
      const { pathname } = new URL(request.url);
      env.USAGE_INDEXED_BY_CUSTOMER_ID.writeDataPoint({
        "indexes": [customer_id],
        "blobs": [pathname]
      });
      return new Response("ok");
    },
  },
  (env) => ({
    USAGE_INDEXED_BY_CUSTOMER_ID: usagehouse(env, "usage_indexed_by_customer_id"),
    CASES: usagehouse(env, "binding_cases"),
  }),
);
