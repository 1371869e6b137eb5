#!/usr/bin/env node
// A browser for tests, run as the BROWSER command with the URL as its argument (the convention the
// AWS CLI, through Python's webbrowser, and eks-token follow). It does what a person who approves
// would: an /authorize URL is fetched without following redirects, then the Location (the loopback
// callback) is fetched; a /device URL is fetched (the emulator approves it). One JSON line per run
// is appended to $TEST_BROWSER_LOG: {url, status, location, callbackStatus, callbackType, callbackBody}.
// TEST_BROWSER_MODE=ignore records the URL and does nothing else (a browser the person closed).
// It prints to stdout and stderr on purpose: none of it may reach eks-token's stdout.
import { appendFileSync } from "node:fs";

const url = process.argv[2] ?? "";
const log = process.env.TEST_BROWSER_LOG;
const record = { url, pid: process.pid };
process.stdout.write("test-browser: opening the page\n");
process.stderr.write("test-browser: diagnostics\n");
try {
  if (process.env.TEST_BROWSER_MODE !== "ignore") {
    const first = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
    record.status = first.status;
    const location = first.headers.get("location");
    await first.text();
    if (location) {
      record.location = location;
      const back = await fetch(location, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
      record.callbackStatus = back.status;
      record.callbackType = back.headers.get("content-type");
      record.callbackBody = await back.text();
    }
  }
} catch (e) {
  record.error = String(e?.message ?? e);
}
if (log) appendFileSync(log, `${JSON.stringify(record)}\n`);
