// Many cold calls at once against an STS that takes seconds to answer AssumeRole: the process
// holding the lock makes the one AssumeRole while the others follow it for up to 10 s (rather
// than make their own), and no AssumeRole still being answered is sent again.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StsEmulator } from "../support/sts-emulator.js";
import {
  ACCOUNT,
  ALICE,
  REGION,
  ensureBuilt,
  expectCredential,
  keyEnv,
  makeSandbox,
  tokenAccessKey,
  type Sandbox,
  startStsWithRole,
} from "../support/cache-fixture.js";
import { RUNTIME_LABEL } from "../support/cli.js";

const ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-slow`;
/** Enough for 2 shared cores; the point is the count, not the load. */
const PROCESSES = 40;
/** Seconds: longer than a short lock wait would cover, well inside the 10 s waiters follow a holder. */
const ASSUME_ROLE_LATENCY_MS = 5_000;

let sts: StsEmulator;
const sandboxes: Sandbox[] = [];
beforeAll(async () => {
  await ensureBuilt();
  sts = await startStsWithRole(ROLE);
}, 240_000);
afterAll(async () => {
  await sts?.close();
});
afterEach(() => {
  sts.clearFaults();
  for (const s of sandboxes.splice(0)) s.cleanup();
});

describe(`${PROCESSES} cold calls against a slow STS (${RUNTIME_LABEL})`, () => {
  it("make one AssumeRole between them, and every call prints a valid ExecCredential", async () => {
    const s = makeSandbox();
    sandboxes.push(s);
    sts.resetCalls();
    sts.setFault({ action: "AssumeRole", kind: "latency", ms: ASSUME_ROLE_LATENCY_MS });
    const env = s.env({ ...keyEnv(ALICE), AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: sts.url });
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, () =>
        s.run(["token", "--cluster-id", "alpha", "--role-arn", ROLE], { env, timeoutMs: 60_000 }),
      ),
    );
    const credentials = results.map((r) => expectCredential(r));
    expect(sts.calls["AssumeRole"]).toBe(1);
    expect(new Set(credentials.map((c) => tokenAccessKey(c.token))).size).toBe(1);
  }, 180_000);
});
