import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { runKubeconfig } from "../../src/cli/kubeconfig-command.js";
import { EksTokenError } from "../../src/errors.js";
import { toolName, translateExec } from "../../src/kubeconfig/argv-translate.js";
import { fakeIo } from "../support/fake-io.js";
import { tempHome } from "./helpers.js";

const ROLE = "arn:aws:iam::123456789012:role/eks-admin";

describe("translateExec", () => {
  const ok = (command: string, args: string[], env: { name: string; value: string }[] = []) => {
    const t = translateExec(command, args, env);
    if (t.kind !== "ok") throw new Error(`expected ok, got ${JSON.stringify(t)}`);
    return t.args;
  };

  test("what aws eks update-kubeconfig writes", () => {
    expect(
      ok("aws", [
        "--region",
        "us-west-2",
        "eks",
        "get-token",
        "--cluster-name",
        "prod",
        "--output",
        "json",
        "--role",
        ROLE,
      ]),
    ).toEqual(["token", "--cluster-name", "prod", "--region", "us-west-2", "--role-arn", ROLE]);
  });

  test("global options in any order, = forms, --role-arn, --profile, --session-name", () => {
    expect(
      ok("aws", [
        "eks",
        "--profile",
        "dev",
        "get-token",
        `--role-arn=${ROLE}`,
        "--cluster-name=prod",
        "--region",
        "eu-west-1",
        "--session-name",
        "me",
      ]),
    ).toEqual([
      "token",
      "--cluster-name",
      "prod",
      "--region",
      "eu-west-1",
      "--role-arn",
      ROLE,
      "--profile",
      "dev",
      "--session-name",
      "me",
    ]);
    expect(
      ok("aws", ["--output", "json", "--debug", "--profile", "eks", "eks", "get-token", "--cluster-name", "x"]),
    ).toEqual(["token", "--cluster-name", "x", "--profile", "eks"]);
  });

  test("Outposts --cluster-id becomes the cluster the token is bound to", () => {
    expect(
      ok("aws", ["--region", "us-west-2", "eks", "get-token", "--cluster-id", "abcd-1234", "--output", "json"]),
    ).toEqual(["token", "--cluster-name", "abcd-1234", "--region", "us-west-2"]);
  });

  test("full paths and Windows names", () => {
    expect(toolName("/usr/local/bin/aws")).toBe("aws");
    expect(toolName("C:\\Program Files\\Amazon\\AWSCLIV2\\aws.exe")).toBe("aws");
    expect(ok("/usr/local/bin/aws", ["eks", "get-token", "--cluster-name", "x"])).toEqual([
      "token",
      "--cluster-name",
      "x",
    ]);
    expect(ok("/opt/bin/aws-iam-authenticator", ["token", "-i", "x"])).toEqual(["token", "--cluster-name", "x"]);
  });

  test("aws-iam-authenticator with every flag", () => {
    expect(
      ok("aws-iam-authenticator", [
        "token",
        "-i",
        "c1",
        "-r",
        ROLE,
        "--region",
        "eu-west-1",
        "-s",
        "sess",
        "-e",
        "ext",
        "--forward-session-name",
        "--cache",
      ]),
    ).toEqual([
      "token",
      "--cluster-name",
      "c1",
      "--region",
      "eu-west-1",
      "--role-arn",
      ROLE,
      "--session-name",
      "sess",
      "--external-id",
      "ext",
      "--forward-session-name",
    ]);
    expect(
      ok("aws-iam-authenticator", [
        "token",
        "--cluster-id=c1",
        "--role",
        ROLE,
        "--session-name=s",
        "--external-id",
        "e",
        "--forward-session-name=false",
      ]),
    ).toEqual(["token", "--cluster-name", "c1", "--role-arn", ROLE, "--session-name", "s", "--external-id", "e"]);
    expect(ok("aws-iam-authenticator", ["token", "-ic1", `-r=${ROLE}`])).toEqual([
      "token",
      "--cluster-name",
      "c1",
      "--role-arn",
      ROLE,
    ]);
  });

  test("aws-iam-authenticator cluster id from the exec env", () => {
    expect(
      ok("aws-iam-authenticator", ["token"], [{ name: "KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID", value: "c9" }]),
    ).toEqual(["token", "--cluster-name", "c9"]);
  });

  test("other tools and other aws commands are not peers", () => {
    expect(translateExec("gke-gcloud-auth-plugin", [], []).kind).toBe("not-peer");
    expect(translateExec("aws", ["sts", "get-caller-identity"], []).kind).toBe("not-peer");
    expect(translateExec("aws-iam-authenticator", ["verify", "-t", "x"], []).kind).toBe("not-peer");
    expect(translateExec("eks-token", ["token", "--cluster-name", "x"], []).kind).toBe("not-peer");
  });

  test("peer lines eks-token cannot reproduce are reported, not rewritten", () => {
    expect(
      translateExec("aws", ["eks", "get-token", "--cluster-name", "x", "--endpoint-url", "https://sts.local"], []),
    ).toEqual({
      kind: "unsupported",
      reason: "option --endpoint-url has no eks-token equivalent",
    });
    expect(translateExec("aws", ["eks", "get-token"], []).kind).toBe("unsupported");
    expect(translateExec("aws", ["eks", "get-token", "--cluster-name", "x", "--cluster-id", "y"], []).kind).toBe(
      "unsupported",
    );
    expect(translateExec("aws-iam-authenticator", ["token", "-i", "x", "--token-only"], []).kind).toBe("unsupported");
    expect(translateExec("aws-iam-authenticator", ["token", "-i"], []).kind).toBe("unsupported");
  });
});

const PEERS = `apiVersion: v1
clusters: []
contexts: []
current-context: ""
kind: Config
preferences: {}
users:
# written by aws eks update-kubeconfig
- name: arn:aws:eks:us-west-2:123456789012:cluster/prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - us-west-2
      - eks
      - get-token
      - --cluster-name
      - prod
      - --output
      - json
      - --role
      - ${ROLE}
      command: aws
      env:
      - name: AWS_PROFILE
        value: dev
      provideClusterInfo: false
# written by eksctl
- name: eksctl-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args: [token, -i, c1, -r, "${ROLE}", --region, eu-west-1, -s, sess, -e, ext, --forward-session-name]
      command: /usr/local/bin/aws-iam-authenticator # pinned path
      interactiveMode: Never
- name: gke
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
- name: odd
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args: [eks, get-token, --cluster-name, x, --endpoint-url, "https://example.com"]
      command: aws
- name: static
  user:
    token: abc
`;

describe("eks-token kubeconfig migrate", () => {
  let home: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ home, cleanup } = await tempHome()));
  afterEach(async () => cleanup());
  const configPath = () => join(home, ".kube", "config");
  const writeConfig = async (text: string, path = configPath()) => {
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, text, { mode: 0o600 });
  };

  test("rewrites both peers' users and keeps everything else", async () => {
    await writeConfig(PEERS);
    const io = fakeIo({ env: { HOME: home } });
    expect(await runKubeconfig(["migrate"], io)).toBe(0);
    const text = await readFile(configPath(), "utf8");
    const config = parse(text);
    expect(config.users[0].user.exec).toEqual({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      args: ["token", "--cluster-name", "prod", "--region", "us-west-2", "--role-arn", ROLE],
      command: "eks-token",
      env: [{ name: "AWS_PROFILE", value: "dev" }],
      provideClusterInfo: false,
    });
    expect(config.users[1].user.exec).toEqual({
      apiVersion: "client.authentication.k8s.io/v1",
      args: [
        "token",
        "--cluster-name",
        "c1",
        "--region",
        "eu-west-1",
        "--role-arn",
        ROLE,
        "--session-name",
        "sess",
        "--external-id",
        "ext",
        "--forward-session-name",
        // The block says v1: the args say it too, for clients that send no exec info.
        "--api-version",
        "v1",
      ],
      command: "eks-token",
      interactiveMode: "Never",
    });
    expect(config.users[2]).toEqual(parse(PEERS).users[2]);
    expect(config.users[3]).toEqual(parse(PEERS).users[3]);
    expect(config.users[4]).toEqual(parse(PEERS).users[4]);
    expect(text).toContain("# written by aws eks update-kubeconfig\n");
    expect(text).toContain("# written by eksctl\n");
    expect(text).toContain("command: eks-token # pinned path\n");
    // The flow list stays a flow list.
    expect(text).toMatch(/args: \[token, --cluster-name, c1,/);
    expect((await stat(configPath())).mode & 0o777).toBe(0o600);

    const err = io.stderrText();
    expect(err).toContain(`--- ${configPath()}\n`);
    expect(err).toContain(
      `user arn:aws:eks:us-west-2:123456789012:cluster/prod\n- command: aws --region us-west-2 eks get-token --cluster-name prod --output json --role ${ROLE}\n+ command: eks-token token --cluster-name prod --region us-west-2 --role-arn ${ROLE}\n`,
    );
    expect(err).toContain("user eksctl-user\n- command: /usr/local/bin/aws-iam-authenticator token -i c1");
    expect(err).toContain("user odd left as it is: option --endpoint-url has no eks-token equivalent");
    expect(err).toContain(`Changed 2 users in ${configPath()}\n`);
    expect(io.stdoutText()).toBe("");
  });

  test("a second run finds nothing to do", async () => {
    await writeConfig(PEERS);
    await runKubeconfig(["migrate"], fakeIo({ env: { HOME: home } }));
    const once = await readFile(configPath(), "utf8");
    const io = fakeIo({ env: { HOME: home } });
    await runKubeconfig(["migrate"], io);
    expect(await readFile(configPath(), "utf8")).toBe(once);
    expect(io.stderrText()).toContain("nothing changed");
  });

  test("--dry-run prints the new YAML and writes nothing", async () => {
    await writeConfig(PEERS);
    const io = fakeIo({ env: { HOME: home } });
    await runKubeconfig(["migrate", "--dry-run"], io);
    expect(await readFile(configPath(), "utf8")).toBe(PEERS);
    expect(parse(io.stdoutText()).users[0].user.exec.command).toBe("eks-token");
    expect(io.stderrText()).toContain("Would change 2 users");
  });

  test("every KUBECONFIG file holding such users is migrated", async () => {
    const a = join(home, "a.yaml");
    const b = join(home, "b.yaml");
    const c = join(home, "c.yaml");
    const plain = "apiVersion: v1\nkind: Config\nusers:\n- name: static\n  user:\n    token: abc\n";
    await writeConfig(PEERS, a);
    await writeConfig(plain, b);
    await writeConfig(PEERS, c);
    const io = fakeIo({ env: { HOME: home, KUBECONFIG: `${a}:${b}:${join(home, "missing.yaml")}:${c}` } });
    await runKubeconfig(["migrate"], io);
    expect(parse(await readFile(a, "utf8")).users[1].user.exec.command).toBe("eks-token");
    expect(await readFile(b, "utf8")).toBe(plain);
    expect(parse(await readFile(c, "utf8")).users[0].user.exec.command).toBe("eks-token");
    expect(io.stderrText()).toContain(`Changed 2 users in ${a}`);
    expect(io.stderrText()).toContain(`Changed 2 users in ${c}`);
  });

  test("--kubeconfig limits migration to that file", async () => {
    const a = join(home, "a.yaml");
    await writeConfig(PEERS, a);
    await writeConfig(PEERS);
    await runKubeconfig(["migrate", "--kubeconfig", a], fakeIo({ env: { HOME: home, KUBECONFIG: configPath() } }));
    expect(parse(await readFile(a, "utf8")).users[0].user.exec.command).toBe("eks-token");
    expect(await readFile(configPath(), "utf8")).toBe(PEERS);
  });

  test("a broken file stops the migration before anything is written", async () => {
    const a = join(home, "a.yaml");
    const b = join(home, "b.yaml");
    await writeConfig(PEERS, a);
    await writeConfig("users: [\n", b);
    const e = await runKubeconfig(["migrate"], fakeIo({ env: { HOME: home, KUBECONFIG: `${a}:${b}` } })).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(EksTokenError);
    expect(await readFile(a, "utf8")).toBe(PEERS);
    expect(await readFile(b, "utf8")).toBe("users: [\n");
  });

  test("no kubeconfig at all", async () => {
    const io = fakeIo({ env: { HOME: home } });
    expect(await runKubeconfig(["migrate"], io)).toBe(0);
    expect(io.stderrText()).toContain("nothing to migrate");
    // Not even the folder a lock would have needed.
    expect(await readdir(home)).toEqual([]);
  });
});
