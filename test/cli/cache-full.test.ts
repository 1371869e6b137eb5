// A token cache on a full disk (ENOSPC): the call still prints its token, and says once (not
// once per lock and entry, nor not at all) that the cache could not be written.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StsEmulator } from "../support/sts-emulator.js";
import {
  ACCOUNT,
  ALICE,
  REGION,
  ensureBuilt,
  expectCredential,
  keyEnv,
  makeSandbox,
  startStsWithRole,
} from "../support/cache-fixture.js";
import { RUNTIME_LABEL } from "../support/cli.js";
import { CAN_MOUNT, mountTmpfs } from "../support/tmpfs.js";

const ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-full`;
let sts: StsEmulator;
beforeAll(async () => {
  await ensureBuilt();
  sts = await startStsWithRole(ROLE);
}, 240_000);
afterAll(async () => {
  await sts?.close();
});

describe.skipIf(!CAN_MOUNT)(`a token cache on a full disk (${RUNTIME_LABEL}; needs root and mount)`, () => {
  for (const [what, args] of [
    ["keys from the environment", ["token", "--cluster-id", "alpha"]],
    ["--role-arn (token and role caches)", ["token", "--cluster-id", "alpha", "--role-arn", ROLE]],
  ] as const) {
    it(`${what}: the token, and one warning that names ENOSPC`, async () => {
      const full = mountTmpfs({ sizeKb: 64 })!;
      const s = makeSandbox();
      try {
        const dir = join(full.path, "cache");
        mkdirSync(dir, { mode: 0o700 });
        try {
          writeFileSync(join(full.path, "filler"), Buffer.alloc(1024 * 1024));
        } catch {
          // full now
        }
        const result = await s.run(args, {
          env: s.env({
            ...keyEnv(ALICE),
            AWS_REGION: REGION,
            AWS_ENDPOINT_URL_STS: sts.url,
            EKS_TOKEN_CACHE_DIR: dir,
          }),
        });
        expectCredential({ ...result, stderr: "" });
        expect(result.stderr).toBe(
          `eks-token: warning: could not write the token cache in "${dir}" (ENOSPC); the next call will make a new token\n`,
        );
      } finally {
        s.cleanup();
        full.cleanup();
      }
    });
  }
});
