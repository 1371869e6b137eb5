// argv as users' kubeconfigs carry it (docs/contract.md, "Drop-in command lines"): `aws eks get-token` and
// `aws-iam-authenticator token` argument lists must mean the same request here.
import { describe, expect, it } from "vitest";
import { parseTokenArgs, type TokenInput as TokenRequest } from "../../src/cli/args.js";
import { resolveCacheDir } from "../../src/cache/cache-dir.js";
import { EksTokenError } from "../../src/errors.js";

const ROLE = "arn:aws:iam::123456789012:role/eks-admins";
const OTHER_ROLE = "arn:aws:iam::123456789012:role/other";

function request(argv: readonly string[], env: Record<string, string | undefined> = {}): TokenRequest {
  const parsed = parseTokenArgs(argv, env);
  if (parsed.kind !== "token") throw new Error(`expected a token request, got ${parsed.kind}`);
  return parsed.request;
}

function usageError(argv: readonly string[], env: Record<string, string | undefined> = {}): EksTokenError {
  try {
    parseTokenArgs(argv, env);
  } catch (e) {
    expect(e).toBeInstanceOf(EksTokenError);
    const err = e as EksTokenError;
    expect(err.code).toBe("usage");
    expect(err.exitCode).toBe(2);
    return err;
  }
  throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
}

const DEFAULTS: TokenRequest = {
  clusterId: undefined,
  region: undefined,
  profile: undefined,
  roleArn: undefined,
  sessionName: undefined,
  externalId: undefined,
  forwardSessionName: false,
  output: "json",
  apiVersion: undefined,
  cache: true,
  cacheDir: undefined,
  debug: false,
};

describe("aws eks get-token argument lists (aws eks update-kubeconfig)", () => {
  it("--region R eks get-token --cluster-name N --output json", () => {
    expect(
      request(["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--output", "json"]),
    ).toEqual({
      ...DEFAULTS,
      clusterId: "prod",
      region: "eu-west-1",
    });
  });

  it("with --role ARN (update-kubeconfig's abbreviation of --role-arn)", () => {
    const r = request([
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
    ]);
    expect(r).toEqual({ ...DEFAULTS, clusterId: "prod", region: "us-west-2", roleArn: ROLE });
  });

  it("with --role-arn ARN", () => {
    const r = request([
      "--region",
      "us-west-2",
      "eks",
      "get-token",
      "--cluster-name",
      "prod",
      "--role-arn",
      ROLE,
      "--output",
      "json",
    ]);
    expect(r.roleArn).toBe(ROLE);
  });

  it("--role and --role-arn naming the same role is accepted", () => {
    expect(request(["eks", "get-token", "--cluster-name", "c", "--role", ROLE, "--role-arn", ROLE]).roleArn).toBe(ROLE);
  });

  it("--cluster-id (Outposts) wins over --cluster-name, in either order", () => {
    expect(
      request([
        "--region",
        "us-west-2",
        "eks",
        "get-token",
        "--cluster-name",
        "prod",
        "--cluster-id",
        "0123abcd-id",
        "--output",
        "json",
      ]).clusterId,
    ).toBe("0123abcd-id");
    expect(request(["eks", "get-token", "--cluster-id", "0123abcd-id", "--cluster-name", "prod"]).clusterId).toBe(
      "0123abcd-id",
    );
  });

  it.each([
    [["--profile", "dev", "--region", "us-west-2", "eks", "get-token", "--cluster-name", "prod", "--output", "json"]],
    [["--region", "us-west-2", "--profile", "dev", "eks", "get-token", "--cluster-name", "prod", "--output", "json"]],
    [["--region", "us-west-2", "eks", "--profile", "dev", "get-token", "--cluster-name", "prod", "--output", "json"]],
    [["--region", "us-west-2", "eks", "get-token", "--cluster-name", "prod", "--output", "json", "--profile", "dev"]],
    [["--region=us-west-2", "eks", "get-token", "--cluster-name=prod", "--output=json", "--profile=dev"]],
  ])("--profile in any position: %j", (argv) => {
    expect(request(argv)).toEqual({ ...DEFAULTS, clusterId: "prod", region: "us-west-2", profile: "dev" });
  });

  it("get-token without `eks`, and no command words at all, mean the same", () => {
    const expected = { ...DEFAULTS, clusterId: "c", region: "us-west-2" };
    expect(request(["get-token", "--cluster-name", "c", "--region", "us-west-2"])).toEqual(expected);
    expect(request(["--cluster-name", "c", "--region", "us-west-2"])).toEqual(expected);
    expect(request(["token", "--cluster-name", "c", "--region", "us-west-2"])).toEqual(expected);
  });
});

describe("aws-iam-authenticator token argument lists (eksctl, older guides)", () => {
  it("token -i N", () => {
    expect(request(["token", "-i", "prod"])).toEqual({ ...DEFAULTS, clusterId: "prod" });
  });

  it("token -i N -r ARN --region R -s SESSION -e EXTERNAL_ID --cache --forward-session-name", () => {
    const r = request([
      "token",
      "-i",
      "prod",
      "-r",
      ROLE,
      "--region",
      "ap-east-1",
      "-s",
      "my-session",
      "-e",
      "ext-id-42",
      "--cache",
      "--forward-session-name",
    ]);
    expect(r).toEqual({
      ...DEFAULTS,
      clusterId: "prod",
      roleArn: ROLE,
      region: "ap-east-1",
      sessionName: "my-session",
      externalId: "ext-id-42",
      forwardSessionName: true,
      cache: true,
    });
  });

  it("long forms --cluster-id, --role-arn, --session-name, --external-id", () => {
    const r = request([
      "token",
      "--cluster-id",
      "prod",
      "--role-arn",
      ROLE,
      "--session-name",
      "s1",
      "--external-id",
      "e1",
    ]);
    expect([r.clusterId, r.roleArn, r.sessionName, r.externalId]).toEqual(["prod", ROLE, "s1", "e1"]);
  });

  it("cluster id from KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID", () => {
    expect(request(["token"], { KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID: "from-env" }).clusterId).toBe("from-env");
    expect(request(["token", "-r", ROLE], { KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID: "from-env" })).toMatchObject({
      clusterId: "from-env",
      roleArn: ROLE,
    });
  });

  it("a flag wins over KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID; an empty variable is no cluster", () => {
    expect(request(["token", "-i", "flag"], { KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID: "env" }).clusterId).toBe("flag");
    expect(request(["--cluster-name", "flag"], { KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID: "env" }).clusterId).toBe(
      "flag",
    );
    expect(request(["token"], { KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID: "" }).clusterId).toBeUndefined();
    expect(request(["token"]).clusterId).toBeUndefined();
  });
});

describe("output, api version, cache and debug", () => {
  it("--token-only and --output token print the bare token; -o works too", () => {
    expect(request(["--cluster-name", "c", "--token-only"]).output).toBe("token");
    expect(request(["--cluster-name", "c", "--output", "token"]).output).toBe("token");
    expect(request(["--cluster-name", "c", "-o", "token"]).output).toBe("token");
    expect(request(["--cluster-name", "c", "--output", "json", "--token-only"]).output).toBe("token");
    expect(request(["--cluster-name", "c", "--output", "json"]).output).toBe("json");
    expect(request(["--cluster-name", "c"]).output).toBe("json");
  });

  it("--api-version: short and full names", () => {
    expect(request(["--cluster-name", "c", "--api-version", "v1"]).apiVersion).toBe("client.authentication.k8s.io/v1");
    expect(request(["--cluster-name", "c", "--api-version", "v1beta1"]).apiVersion).toBe(
      "client.authentication.k8s.io/v1beta1",
    );
    expect(request(["--cluster-name", "c", "--api-version", "client.authentication.k8s.io/v1"]).apiVersion).toBe(
      "client.authentication.k8s.io/v1",
    );
    expect(request(["--cluster-name", "c"]).apiVersion).toBeUndefined();
  });

  it("--no-cache and EKS_TOKEN_NO_CACHE turn the cache off", () => {
    expect(request(["--cluster-name", "c"]).cache).toBe(true);
    expect(request(["--cluster-name", "c", "--no-cache"]).cache).toBe(false);
    expect(request(["--cluster-name", "c", "--cache", "--no-cache"]).cache).toBe(false);
    for (const value of ["1", "true", "TRUE", "yes", "on", " 1 "]) {
      expect(request(["--cluster-name", "c"], { EKS_TOKEN_NO_CACHE: value }).cache, value).toBe(false);
    }
    for (const value of ["", "0", "false", "no", "off"]) {
      expect(request(["--cluster-name", "c"], { EKS_TOKEN_NO_CACHE: value }).cache, value).toBe(true);
    }
    // aws-iam-authenticator's --cache does not override the variable.
    expect(request(["token", "-i", "c", "--cache"], { EKS_TOKEN_NO_CACHE: "1" }).cache).toBe(false);
  });

  it("--cache-dir and EKS_TOKEN_CACHE_DIR (the flag wins)", () => {
    // The flag is read here; the directory is resolved once, with the environment, in resolveCacheDir.
    const dir = (argv: string[], env: Record<string, string> = {}) =>
      resolveCacheDir(request(argv, env).cacheDir, { HOME: "/home/u", ...env });
    expect(dir(["--cluster-name", "c", "--cache-dir", "/tmp/a"])).toBe("/tmp/a");
    expect(dir(["--cluster-name", "c"], { EKS_TOKEN_CACHE_DIR: "/tmp/b" })).toBe("/tmp/b");
    expect(dir(["--cluster-name", "c", "--cache-dir", "/tmp/a"], { EKS_TOKEN_CACHE_DIR: "/tmp/b" })).toBe("/tmp/a");
    expect(dir(["--cluster-name", "c"], { EKS_TOKEN_CACHE_DIR: "" })).toBe("/home/u/.kube/cache/eks-token");
    expect(request(["--cluster-name", "c"], { EKS_TOKEN_CACHE_DIR: "/tmp/b" }).cacheDir).toBeUndefined();
  });

  it("--debug and EKS_TOKEN_DEBUG", () => {
    expect(request(["--cluster-name", "c", "--debug"]).debug).toBe(true);
    expect(request(["--cluster-name", "c"], { EKS_TOKEN_DEBUG: "1" }).debug).toBe(true);
    expect(request(["--cluster-name", "c"], { EKS_TOKEN_DEBUG: "0" }).debug).toBe(false);
  });

  it("--sso-login auto|never (EKS_TOKEN_SSO_LOGIN is read on the miss path)", () => {
    expect(request(["--cluster-name", "c"]).ssoLogin).toBeUndefined();
    expect(request(["--cluster-name", "c", "--sso-login", "never"]).ssoLogin).toBe("never");
    expect(request(["--cluster-name", "c", "--sso-login=auto"]).ssoLogin).toBe("auto");
    expect(usageError(["--cluster-name", "c", "--sso-login", "always"]).reportLine).toBe(
      '--sso-login "always" is not supported: use --sso-login never (no automatic sign-in) or auto',
    );
  });

  it("--help, -h and --version", () => {
    expect(parseTokenArgs(["--help"], {})).toEqual({ kind: "help" });
    expect(parseTokenArgs(["-h"], {})).toEqual({ kind: "help" });
    expect(parseTokenArgs(["eks", "get-token", "--help"], {})).toEqual({ kind: "help" });
    expect(parseTokenArgs(["--version"], {})).toEqual({ kind: "version" });
  });

  it("parsing does not validate values: that is resolveTarget's job", () => {
    // A missing cluster name is reported later, with the hint about -i and the variable.
    expect(request([]).clusterId).toBeUndefined();
  });
});

describe("usage errors", () => {
  it("an unknown flag", () => {
    const e = usageError(["--cluster-name", "c", "--bogus"]);
    expect(e.message).toMatch(/unknown option --bogus/);
    expect(e.message).not.toContain("\n");
    expect(e.hint).toContain("--help");
  });

  it("an unknown short flag", () => {
    expect(usageError(["token", "-i", "c", "-z"]).message).toMatch(/unknown option -z/);
  });

  it.each([
    [["eks", "foo", "--cluster-name", "c"], "eks foo"],
    [["eks", "--cluster-name", "c"], "eks"],
    [["get-token", "eks", "--cluster-name", "c"], "get-token eks"],
    [["token", "extra", "-i", "c"], "token extra"],
    [["c"], "c"],
    [["eks", "get-token", "prod"], "eks get-token prod"],
  ])("a stray positional: %j", (argv, words) => {
    const e = usageError(argv);
    expect(e.message).toBe(`unexpected argument ${JSON.stringify(words)}`);
  });

  it.each(["text", "yaml", "table", "JSON"])("--output %s", (output) => {
    const e = usageError(["--cluster-name", "c", "--output", output]);
    expect(e.message).toBe(`--output ${JSON.stringify(output)} is not supported`);
    expect(e.hint).toMatch(/--output json/);
  });

  it.each([
    ["--region=", "--region"],
    ["--profile=", "--profile"],
    ["--role-arn=", "--role-arn"],
    ["--session-name=", "--session-name"],
    ["--external-id=", "--external-id"],
    ["--cache-dir=", "--cache-dir"],
  ])("an empty %s", (arg, flag) => {
    expect(usageError(["--cluster-name", "c", arg]).message).toBe(`${flag} needs a value`);
  });

  it("an empty --region given as a separate argument", () => {
    expect(usageError(["--cluster-name", "c", "--region", ""]).message).toBe("--region needs a value");
  });

  it("a flag without its value", () => {
    expect(usageError(["--cluster-name", "c", "--region"]).message).toMatch(/--region/);
  });

  it("--role and --role-arn naming different roles", () => {
    const e = usageError(["eks", "get-token", "--cluster-name", "c", "--role", ROLE, "--role-arn", OTHER_ROLE]);
    expect(e.message).toBe("--role-arn and --role name different roles");
  });

  it("an unknown --api-version", () => {
    expect(usageError(["--cluster-name", "c", "--api-version", "v2"]).message).toBe('unknown --api-version "v2"');
  });

  it("a boolean flag given a value", () => {
    expect(usageError(["--cluster-name", "c", "--no-cache=yes"]).message).toMatch(/no-cache/);
  });
});
