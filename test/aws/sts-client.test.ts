// The GetCallerIdentity client (verify --sts, --forward-session-name) caps what it reads: an
// endless answer ends at 256 kB with the same line every capped answer gives.
import { afterAll, beforeAll, expect, it } from "vitest";
import { fetchCallerIdentity } from "../../src/aws/sts-client.js";
import { isEksTokenError } from "../../src/errors.js";
import { endlessStats } from "../support/endless-body.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";

let sts: StsEmulator;
beforeAll(async () => {
  sts = await startStsEmulator();
});
afterAll(async () => {
  await sts?.close();
});

it("an endless GetCallerIdentity answer ends at the cap with one clear error", async () => {
  sts.setFault({ action: "GetCallerIdentity", kind: "endless" });
  const error = await fetchCallerIdentity({
    url: "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    clusterId: "alpha",
    env: { AWS_ENDPOINT_URL_STS: sts.url },
  }).catch((e: unknown) => e);
  expect(isEksTokenError(error) && error.code).toBe("too-large");
  expect((error as Error).message).toBe(`the answer from 127.0.0.1:${sts.port} was larger than 256 kB`);
  expect(endlessStats.bytesSent).toBeLessThan(32 * 1024 * 1024);
});
