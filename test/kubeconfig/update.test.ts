import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, lstat, mkdir, readFile, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { createKubeconfigCommand, runKubeconfig } from "../../src/cli/kubeconfig-command.js";
import { realKubeconfigFiles } from "../../src/kubeconfig/update.js";
import { EksTokenError } from "../../src/errors.js";
import { fakeIo } from "../support/fake-io.js";
import { arnOf, baseEnv, CA, offlineArgs, tempHome } from "./helpers.js";

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ home, cleanup } = await tempHome()));
afterEach(async () => cleanup());

const KUBECTL = "/usr/bin/kubectl";
const KUBECTL_MISSING = !existsSync(KUBECTL);
const configPath = () => join(home, ".kube", "config");
const mode = async (p: string) => (await stat(p)).mode & 0o777;

const EXISTING = `# team kubeconfig: do not remove this line
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: T1RIRVI=
    server: https://other.example.com
  name: other # the staging cluster
contexts:
- context:
    cluster: other
    namespace: team-a
    user: other
  name: other
current-context: other
kind: Config
preferences: {}
users:
# a user written by hand
- name: other
  user:
    token: abc
`;

describe("eks-token kubeconfig (write)", () => {
  test("creates ~/.kube/config with mode 0600 in a 0700 directory", async () => {
    const io = fakeIo({ env: baseEnv(home) });
    const code = await runKubeconfig(offlineArgs("demo", "--cluster-arn", arnOf("demo")), io);
    expect(code).toBe(0);
    expect(await mode(configPath())).toBe(0o600);
    expect(await mode(join(home, ".kube"))).toBe(0o700);
    const config = parse(await readFile(configPath(), "utf8"));
    expect(config).toEqual({
      apiVersion: "v1",
      clusters: [
        { cluster: { "certificate-authority-data": CA, server: "https://demo.example.com" }, name: arnOf("demo") },
      ],
      contexts: [{ context: { cluster: arnOf("demo"), user: arnOf("demo") }, name: arnOf("demo") }],
      "current-context": arnOf("demo"),
      kind: "Config",
      preferences: {},
      users: [
        {
          name: arnOf("demo"),
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              args: ["token", "--cluster-name", "demo", "--region", "us-west-2"],
              command: "eks-token",
            },
          },
        },
      ],
    });
    expect(io.stderrText()).toBe(`Added new context ${arnOf("demo")} to ${configPath()}\n`);
    expect(io.stdoutText()).toBe("");
    // No temporary file is left next to it.
    expect(await readdir(join(home, ".kube"))).toEqual(["config"]);
  });

  test("v1, profile, role, aliases", async () => {
    const io = fakeIo({ env: baseEnv(home) });
    const role = "arn:aws:iam::123456789012:role/admin";
    await runKubeconfig(
      offlineArgs(
        "demo",
        "--cluster-arn",
        arnOf("demo"),
        "--api-version",
        "v1",
        "--profile",
        "dev",
        "--role-arn",
        role,
        "--alias",
        "demo-ctx",
        "--user-alias",
        "demo-user",
      ),
      io,
    );
    const config = parse(await readFile(configPath(), "utf8"));
    expect(config.users[0]).toEqual({
      name: "demo-user",
      user: {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          // v1 is also in the args: clients that send no exec info then get v1 too.
          args: ["token", "--cluster-name", "demo", "--region", "us-west-2", "--role-arn", role, "--api-version", "v1"],
          command: "eks-token",
          env: [{ name: "AWS_PROFILE", value: "dev" }],
          interactiveMode: "IfAvailable",
        },
      },
    });
    expect(config.contexts[0]).toEqual({ context: { cluster: arnOf("demo"), user: "demo-user" }, name: "demo-ctx" });
    expect(config["current-context"]).toBe("demo-ctx");
    expect(io.stderrText()).toContain("Added new context demo-ctx to");
  });

  test("without an ARN the entries are named by --alias, else by the cluster name", async () => {
    await runKubeconfig(offlineArgs("plain"), fakeIo({ env: baseEnv(home) }));
    await runKubeconfig(offlineArgs("aliased", "--alias", "nice"), fakeIo({ env: baseEnv(home) }));
    const config = parse(await readFile(configPath(), "utf8"));
    expect(config.clusters.map((c: { name: string }) => c.name)).toEqual(["plain", "nice"]);
    expect(config.users.map((c: { name: string }) => c.name)).toEqual(["plain", "nice"]);
    expect(config.contexts.map((c: { name: string }) => c.name)).toEqual(["plain", "nice"]);
  });

  test("merges into a file with other clusters, keeping them and their comments byte-for-byte", async () => {
    await mkdir(join(home, ".kube"), { recursive: true });
    await writeFile(configPath(), EXISTING, { mode: 0o640 });
    await chmod(configPath(), 0o640);
    await runKubeconfig(offlineArgs("demo", "--cluster-arn", arnOf("demo")), fakeIo({ env: baseEnv(home) }));
    const text = await readFile(configPath(), "utf8");
    // Everything before the new cluster entry is unchanged, including comments.
    expect(text.startsWith(EXISTING.slice(0, EXISTING.indexOf("contexts:")))).toBe(true);
    expect(text).toContain("# a user written by hand\n- name: other\n  user:\n    token: abc\n");
    expect(text).toContain("    namespace: team-a\n");
    const config = parse(text);
    expect(config.clusters).toHaveLength(2);
    expect(config.users).toHaveLength(2);
    expect(config.contexts).toHaveLength(2);
    expect(config["current-context"]).toBe(arnOf("demo"));
    expect(await mode(configPath())).toBe(0o640);
  });

  test("replaces same-named entries and says Updated", async () => {
    await runKubeconfig(offlineArgs("demo", "--cluster-arn", arnOf("demo")), fakeIo({ env: baseEnv(home) }));
    const io = fakeIo({ env: baseEnv(home) });
    const args = [
      "--cluster-name",
      "demo",
      "--cluster-arn",
      arnOf("demo"),
      "--endpoint",
      "https://new.example.com",
      "--ca-data",
      CA,
      "--region",
      "us-west-2",
      "--role-arn",
      "arn:aws:iam::123456789012:role/x",
    ];
    await runKubeconfig(args, io);
    const config = parse(await readFile(configPath(), "utf8"));
    expect(config.clusters).toHaveLength(1);
    expect(config.clusters[0].cluster.server).toBe("https://new.example.com");
    expect(config.users).toHaveLength(1);
    expect(config.users[0].user.exec.args).toContain("--role-arn");
    expect(config.contexts).toHaveLength(1);
    expect(io.stderrText()).toBe(`Updated context ${arnOf("demo")} in ${configPath()}\n`);
  });

  test("replacing an entry keeps the comment above it", async () => {
    await mkdir(join(home, ".kube"), { recursive: true });
    const existing = EXISTING.replace(
      "- name: other\n  user:\n    token: abc\n",
      "- name: demo\n  user:\n    token: old\n",
    );
    await writeFile(configPath(), existing);
    await runKubeconfig(offlineArgs("demo", "--user-alias", "demo"), fakeIo({ env: baseEnv(home) }));
    const text = await readFile(configPath(), "utf8");
    expect(text).toContain("# a user written by hand\n- name: demo\n  user:\n    exec:\n");
    expect(text).not.toContain("token: old");
  });

  test("KUBECONFIG with several paths: the first file holding the cluster is chosen", async () => {
    const a = join(home, "a.yaml");
    const b = join(home, "b.yaml");
    const c = join(home, "c.yaml");
    await writeFile(a, EXISTING);
    await runKubeconfig(offlineArgs("demo", "--kubeconfig", b), fakeIo({ env: baseEnv(home) }));
    await writeFile(c, await readFile(b, "utf8"));
    const before = { a: await readFile(a, "utf8"), c: await readFile(c, "utf8") };
    const io = fakeIo({ env: { ...baseEnv(home), KUBECONFIG: `${a}::${b}:${c}` } });
    await runKubeconfig(offlineArgs("demo", "--region", "eu-west-1"), io);
    expect(io.stderrText()).toBe(`Updated context demo in ${b}\n`);
    expect(parse(await readFile(b, "utf8")).users[0].user.exec.args).toContain("eu-west-1");
    expect(await readFile(a, "utf8")).toBe(before.a);
    expect(await readFile(c, "utf8")).toBe(before.c);
  });

  test("KUBECONFIG without the cluster: the first path is used, even if it does not exist yet", async () => {
    const a = join(home, "new", "a.yaml");
    const b = join(home, "b.yaml");
    await writeFile(b, EXISTING);
    const io = fakeIo({ env: { ...baseEnv(home), KUBECONFIG: `${a}:${b}` } });
    await runKubeconfig(offlineArgs("demo"), io);
    expect(io.stderrText()).toBe(`Added new context demo to ${a}\n`);
    expect(await readFile(b, "utf8")).toBe(EXISTING);
    expect(await mode(a)).toBe(0o600);
  });

  test("--dry-run prints the merged YAML and writes nothing", async () => {
    const io = fakeIo({ env: baseEnv(home) });
    await runKubeconfig(offlineArgs("demo", "--dry-run"), io);
    expect(existsSync(join(home, ".kube"))).toBe(false);
    expect(parse(io.stdoutText()).users[0].user.exec.command).toBe("eks-token");
    expect(io.stderrText()).toBe("");
  });

  test("--dry-run on an existing file leaves it untouched", async () => {
    await mkdir(join(home, ".kube"), { recursive: true });
    await writeFile(configPath(), EXISTING);
    const io = fakeIo({ env: baseEnv(home) });
    await runKubeconfig(offlineArgs("demo", "--dry-run"), io);
    expect(await readFile(configPath(), "utf8")).toBe(EXISTING);
    expect(io.stdoutText()).toContain("# team kubeconfig: do not remove this line");
  });

  test("a file that does not parse is refused and left byte-identical", async () => {
    await mkdir(join(home, ".kube"), { recursive: true });
    const broken = "apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: [\n";
    await writeFile(configPath(), broken);
    const error = await runKubeconfig(offlineArgs("demo"), fakeIo({ env: baseEnv(home) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EksTokenError);
    expect((error as EksTokenError).code).toBe("kubeconfig");
    expect((error as EksTokenError).message).toMatch(new RegExp(`^${configPath()}:\\d+: not valid YAML`));
    expect(await readFile(configPath(), "utf8")).toBe(broken);
    expect(await readdir(join(home, ".kube"))).toEqual(["config"]);
  });

  test("a file of the wrong shape is refused too", async () => {
    await mkdir(join(home, ".kube"), { recursive: true });
    await writeFile(configPath(), "clusters: 3\n");
    await expect(runKubeconfig(offlineArgs("demo"), fakeIo({ env: baseEnv(home) }))).rejects.toThrow(
      /clusters is not a list/,
    );
    expect(await readFile(configPath(), "utf8")).toBe("clusters: 3\n");
  });

  test("an empty existing file is fine and keeps its mode", async () => {
    await mkdir(join(home, ".kube"), { recursive: true });
    await writeFile(configPath(), "");
    await chmod(configPath(), 0o644);
    const io = fakeIo({ env: baseEnv(home) });
    await runKubeconfig(offlineArgs("demo"), io);
    expect(parse(await readFile(configPath(), "utf8")).kind).toBe("Config");
    expect(await mode(configPath())).toBe(0o644);
    expect(io.stderrText()).toBe(`Added new context demo to ${configPath()}\n`);
  });

  test("a symlinked kubeconfig is written through to its target", async () => {
    const target = join(home, "dotfiles-kubeconfig");
    await writeFile(target, EXISTING);
    await mkdir(join(home, ".kube"), { recursive: true });
    await symlink(target, configPath());
    await runKubeconfig(offlineArgs("demo"), fakeIo({ env: baseEnv(home) }));
    expect((await lstat(configPath())).isSymbolicLink()).toBe(true);
    expect(parse(await readFile(target, "utf8")).clusters).toHaveLength(2);
  });

  test("--kubeconfig with ~ and relative paths", async () => {
    const io = fakeIo({ env: baseEnv(home) });
    await runKubeconfig(offlineArgs("demo", "--kubeconfig", "~/custom/kc"), io);
    expect(existsSync(join(home, "custom", "kc"))).toBe(true);
  });

  test.skipIf(KUBECTL_MISSING)(
    `kubectl reads the written file and shows the exec user${KUBECTL_MISSING ? " (skipped: no kubectl at /usr/bin/kubectl)" : ""}`,
    async () => {
      await runKubeconfig(
        offlineArgs("demo", "--cluster-arn", arnOf("demo"), "--api-version", "v1", "--profile", "dev"),
        fakeIo({ env: baseEnv(home) }),
      );
      const { stdout } = await promisify(execFile)(
        KUBECTL,
        ["config", "view", "--kubeconfig", configPath(), "-o", "json"],
        {
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home },
        },
      );
      const view = JSON.parse(stdout);
      expect(view["current-context"]).toBe(arnOf("demo"));
      expect(view.users[0].user.exec).toMatchObject({
        command: "eks-token",
        args: ["token", "--cluster-name", "demo", "--region", "us-west-2", "--api-version", "v1"],
        apiVersion: "client.authentication.k8s.io/v1",
        env: [{ name: "AWS_PROFILE", value: "dev" }],
        interactiveMode: "IfAvailable",
      });
    },
  );
});

describe("eks-token kubeconfig (injected DescribeCluster)", () => {
  const described = { name: "op", arn: arnOf("op"), endpoint: "https://10.0.0.1", caData: CA, status: "ACTIVE" };
  const command = (outpostClusterId?: string, calls: unknown[] = []) =>
    createKubeconfigCommand({
      describeCluster: async (input) => {
        calls.push(input);
        return { ...described, outpostClusterId };
      },
      profileRegion: async (profile) => (profile === "dev" ? "ca-central-1" : undefined),
      ...realKubeconfigFiles,
      cwd: () => home,
    });

  test("region from the profile, profile passed to DescribeCluster and into the exec env", async () => {
    const calls: unknown[] = [];
    const io = fakeIo({ env: { HOME: home } });
    await command(undefined, calls)(["--cluster-name", "op", "--profile", "dev", "--dry-run"], io);
    expect(calls).toEqual([{ name: "op", region: "ca-central-1", profile: "dev" }]);
    expect(parse(io.stdoutText()).users[0].user.exec.env).toEqual([{ name: "AWS_PROFILE", value: "dev" }]);
  });

  test("AWS_PROFILE counts as the profile, as with the AWS CLI", async () => {
    const io = fakeIo({ env: { HOME: home, AWS_PROFILE: "dev" } });
    await command()(["--cluster-name", "op", "--dry-run"], io);
    expect(parse(io.stdoutText()).users[0].user.exec.env).toEqual([{ name: "AWS_PROFILE", value: "dev" }]);
  });

  test("Outposts local clusters bind the token to the cluster id", async () => {
    const io = fakeIo({ env: baseEnv(home) });
    await command("c0ffee-1234")(["--cluster-name", "op", "--dry-run"], io);
    expect(parse(io.stdoutText()).users[0].user.exec.args).toEqual([
      "token",
      "--cluster-name",
      "c0ffee-1234",
      "--region",
      "us-west-2",
    ]);
  });

  test("a strict EKS name is required when EKS is asked", async () => {
    const calls: unknown[] = [];
    await expect(command(undefined, calls)(["--cluster-name", "a.b"], fakeIo({ env: baseEnv(home) }))).rejects.toThrow(
      /invalid --cluster-name/,
    );
    expect(calls).toEqual([]);
  });
});

describe("eks-token kubeconfig (flags)", () => {
  const run = (args: string[], env = baseEnv(home)) => runKubeconfig(args, fakeIo({ env: env }));
  const rejects = async (args: string[], code: string, message: RegExp, env?: Record<string, string | undefined>) => {
    const e = await run(args, env).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EksTokenError);
    expect((e as EksTokenError).code).toBe(code);
    expect((e as EksTokenError).message).toMatch(message);
  };

  test("--help prints usage", async () => {
    const io = fakeIo({ env: baseEnv(home) });
    expect(await runKubeconfig(["--help"], io)).toBe(0);
    expect(io.stdoutText()).toContain("eks-token kubeconfig migrate");
  });

  test("usage errors", async () => {
    await rejects(["--cluster-name", "x", "--bogus"], "usage", /unknown option --bogus/);
    await rejects(["--cluster-name"], "usage", /missing or ambiguous value/);
    await rejects(["stray"], "usage", /unexpected argument stray/);
    await rejects([], "usage", /missing --cluster-name/);
    await rejects(["--cluster-name", "x", "--endpoint", "https://x"], "usage", /--endpoint and --ca-data go together/);
    await rejects(["--cluster-name", "x", "--cluster-arn", arnOf("x")], "usage", /only used with --endpoint/);
    await rejects(offlineArgs("x", "--api-version", "v1alpha1"), "usage", /unknown --api-version/);
    await rejects(["migrate", "--cluster-name", "x"], "usage", /unknown option --cluster-name/);
  });

  test("invalid values", async () => {
    await rejects(["--cluster-name", "bad name!", "--region", "us-west-2"], "invalid-input", /invalid --cluster-name/);
    await rejects(offlineArgs("x", "--region", "us-west-2.evil.com"), "invalid-input", /invalid --region/);
    await rejects(offlineArgs("x", "--role-arn", "arn:aws:iam::12:user/x"), "invalid-input", /malformed role ARN/);
    await rejects(
      ["--cluster-name", "x", "--endpoint", "http://x.example.com", "--ca-data", CA],
      "invalid-input",
      /invalid --endpoint/,
    );
    await rejects(
      ["--cluster-name", "x", "--endpoint", "https://x.example.com", "--ca-data", "not base64!"],
      "invalid-input",
      /invalid --ca-data/,
    );
    await rejects(offlineArgs("x", "--cluster-arn", arnOf("y")), "invalid-input", /names cluster y/);
    await rejects(offlineArgs("x", "--region", "AWS_REGION"), "invalid-input", /invalid --region/);
  });

  test("offline cluster names may be any printable identifier up to 255", async () => {
    const io = fakeIo({ env: baseEnv(home) });
    await runKubeconfig(offlineArgs("d3b2c1a0-0000-4000-8000-000000000000.outpost", "--dry-run"), io);
    expect(io.stdoutText()).toContain("d3b2c1a0-0000-4000-8000-000000000000.outpost");
    await rejects(offlineArgs("x".repeat(256)), "invalid-input", /invalid --cluster-name/);
  });

  test("region comes from AWS_DEFAULT_REGION, then the profile, else a clear error", async () => {
    const env = { HOME: home, AWS_DEFAULT_REGION: "ap-south-1" };
    const io = fakeIo({ env: env });
    await runKubeconfig(offlineArgs("x", "--dry-run"), io);
    expect(io.stdoutText()).toContain("ap-south-1");

    await mkdir(join(home, ".aws"));
    await writeFile(join(home, ".aws", "config"), "[profile dev]\nregion = eu-north-1\n");
    const io2 = fakeIo({ env: { HOME: home } });
    await runKubeconfig(offlineArgs("x", "--dry-run", "--profile", "dev"), io2);
    expect(io2.stdoutText()).toContain("eu-north-1");
    expect(io2.stdoutText()).toContain("AWS_PROFILE");

    await rejects(offlineArgs("x"), "config", /no region configured/, { HOME: home });
  });

  test("the region of --cluster-arn wins and must agree with --region", async () => {
    const io = fakeIo({ env: { HOME: home, AWS_REGION: "us-east-1" } });
    await runKubeconfig(offlineArgs("x", "--cluster-arn", arnOf("x", "eu-west-3"), "--dry-run"), io);
    expect(parse(io.stdoutText()).users[0].user.exec.args).toEqual([
      "token",
      "--cluster-name",
      "x",
      "--region",
      "eu-west-3",
    ]);
    await rejects(
      offlineArgs("x", "--cluster-arn", arnOf("x", "eu-west-3"), "--region", "us-east-1"),
      "invalid-input",
      /not us-east-1/,
    );
  });
});
