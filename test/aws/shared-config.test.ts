// Hand-made AWS config and credentials files (shared-files-cases.ts), each with what the AWS SDK's
// own loader makes of it: the SDK must still say so, and eks-token's reader must read the same
// (shared-files-reference.ts says where it deliberately differs).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CASES } from "./shared-files-cases.js";
import { compareReads, filesIn, oursRead, profileOf, sdkRead, writeFiles } from "./shared-files-reference.js";

const dir = mkdtempSync(join(tmpdir(), "eks-token-shared-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hand-made AWS shared files read as the SDK reads them", () => {
  const files = filesIn(join(dir, "files"));
  it.each(CASES)("$name", async (c) => {
    writeFiles(files, c.config ?? "", c.credentials ?? "");
    const select = c.select ?? { flag: "dev" };
    const sdk = await sdkRead(files, select);
    const { sts, ...rest } = c.sdk;
    expect(sdk, `the SDK's reading of profile ${profileOf(select)}`).toMatchObject(rest);
    if ("sts" in c.sdk) expect(sdk.raw.sts).toBe(sts);
    compareReads(sdk, oursRead(files, select), c.name);
  });

  it("the deliberate differences in boolean values", async () => {
    writeFiles(files, "[profile a]\nuse_fips_endpoint = TRUE\n[profile b]\nuse_fips_endpoint = False\nuse_dualstack_endpoint = yes\n", "");
    expect((await sdkRead(files, { flag: "a" })).fips).toBe(false);
    expect(oursRead(files, { flag: "a" }).fips).toBe(true);
    const b = oursRead(files, { flag: "b" });
    expect([b.fips, b.dualStack]).toEqual([false, "error"]);
    expect((await sdkRead(files, { flag: "b" })).dualStack).toBe(false);
  });
});
