// Hand-made AWS config and credentials files (shared-files-cases.ts), each with what the AWS SDK's
// own loader makes of it: the SDK must still say so, and eks-token's reader must read the same
// (shared-files-reference.ts says where it deliberately differs).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSharedConfigFiles } from "@smithy/core/config";
import { afterAll, describe, expect, it, vi } from "vitest";
import { readSharedConfig } from "../../src/aws/shared-config.js";
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
    writeFiles(
      files,
      "[profile a]\nuse_fips_endpoint = TRUE\n[profile b]\nuse_fips_endpoint = False\nuse_dualstack_endpoint = yes\n",
      "",
    );
    expect((await sdkRead(files, { flag: "a" })).fips).toBe(false);
    expect(oursRead(files, { flag: "a" }).fips).toBe(true);
    const b = oursRead(files, { flag: "b" });
    expect([b.fips, b.dualStack]).toEqual([false, "error"]);
    expect((await sdkRead(files, { flag: "b" })).dualStack).toBe(false);
  });

  it("`~/` in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE is the home directory", async () => {
    writeFiles(files, "[profile dev]\nregion = eu-west-1\n", "[dev]\nuse_fips_endpoint = true\n");
    vi.stubEnv("HOME", files.dir);
    try {
      const sdk = await loadSharedConfigFiles({
        configFilepath: "~/config",
        filepath: "~/credentials",
        ignoreCache: true,
      });
      const ours = readSharedConfig(
        { HOME: files.dir, AWS_CONFIG_FILE: "~/config", AWS_SHARED_CREDENTIALS_FILE: "~/credentials" },
        "dev",
      );
      expect([ours.configPath, ours.credentialsPath]).toEqual([files.configPath, files.credentialsPath]);
      expect({ ...ours.configFile["dev"] }).toEqual(sdk.configFile["dev"]);
      expect({ ...ours.credentialsFile["dev"] }).toEqual(sdk.credentialsFile["dev"]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
