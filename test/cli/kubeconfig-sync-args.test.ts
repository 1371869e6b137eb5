// `eks-token kubeconfig sync` arguments through the built CLI: help, and every mistake a usage
// error (exit 2, one line, nothing on stdout) before any file is read or any request made.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, hermeticEnv, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { expectFailure } from "../support/expect.js";

let h: TempHome;

beforeAll(async () => {
  await ensureBuilt();
  h = makeTempHome("eks-token-sync-args-");
  h.writeConfig("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n");
}, 240_000);
afterAll(() => h?.cleanup());

// Nothing is listening there: a request would fail with a connection error, not a usage line.
const env = () =>
  hermeticEnv(h.home, { AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:9", AWS_ENDPOINT_URL_EKS: "http://127.0.0.1:9" });

describe("kubeconfig sync arguments", () => {
  it("--help prints the usage, the naming and what is never changed", async () => {
    const result = await runCli(["kubeconfig", "sync", "--help"], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("eks-token kubeconfig sync [sources] [filters] [options]");
    expect(result.stdout).toContain("{account_name}/{region}/{cluster}");
    expect(result.stdout).toContain("current-context is never set");
    const parent = await runCli(["kubeconfig", "--help"], { env: env() });
    expect(parent.stdout).toContain("eks-token kubeconfig sync");
  });

  it.each([
    [["--bogus"], /unknown option --bogus/],
    [["--output", "yaml"], /--output "yaml" is not supported/],
    [["--timeout", "0"], /invalid --timeout "0"/],
    [["--timeout", "1e9"], /invalid --timeout/],
    [["--concurrency", "1000"], /invalid --concurrency "1000"/],
    [["--profile", "a", "--all-profiles"], /--profile and --all-profiles/],
    [["--account", "123"], /invalid --account "123"/],
    [["--name", "{nope}"], /unknown variable "\{nope\}" in --name/],
    [["--name", "{cluster}\n$(id)"], /invalid --name "\{cluster\}\\n\$\(id\)"/],
    [["--region", "eu-west-1.evil"], /invalid region "eu-west-1.evil"/],
    [["--sso-session", "x]\n[y"], /invalid --sso-session "x\]\\n\[y"/],
    [["--sso-start-url", "http://x/start", "--sso-region", "eu-west-1"], /invalid --sso-start-url/],
    [["--sso-start-url", "https://x/start"], /--sso-start-url and --sso-region go together/],
    [["--profile", ""], /--profile needs a value/],
    [["extra"], /unexpected argument extra/],
  ])("%j is a usage error", async (args, message) => {
    const result = await runCli(["kubeconfig", "sync", ...args], { env: env() });
    expectFailure(result, message);
    expect(result.code).toBe(2);
  });

  it("with no source at all, says which to pass", async () => {
    const empty = makeTempHome("eks-token-sync-nosource-");
    try {
      const result = await runCli(["kubeconfig", "sync"], { env: hermeticEnv(empty.home) });
      expectFailure(
        result,
        /no source to sync from: .* has no sso-session .*pass --sso-session S, --profile P or --all-profiles/,
      );
      expect(result.code).toBe(2);
    } finally {
      empty.cleanup();
    }
  });

  it("a kubeconfig that does not parse is refused before anything is asked", async () => {
    const path = `${h.home}/broken.yaml`;
    (await import("node:fs")).writeFileSync(path, "clusters: [\n");
    const result = await runCli(["kubeconfig", "sync", "--kubeconfig", path], { env: env() });
    expectFailure(result, /broken\.yaml:\d+: not valid YAML/);
  });
});
