// readExecTarget: what an exec entry asks a token for, whichever tool it runs.
import { describe, expect, it } from "vitest";
import { readExecTarget } from "../../src/kubeconfig/argv-translate.js";

describe("readExecTarget", () => {
  it("eks-token's own flags, short and long", () => {
    expect(
      readExecTarget(
        "eks-token",
        [
          "token",
          "--cluster-name",
          "prod",
          "--region",
          "eu-west-1",
          "-r",
          "arn:aws:iam::111122223333:role/dev",
          "--profile",
          "p",
          "--no-cache",
        ],
        [],
      ),
    ).toEqual({
      kind: "ok",
      tool: "eks-token",
      input: { clusterName: "prod", region: "eu-west-1", roleArn: "arn:aws:iam::111122223333:role/dev", profile: "p" },
    });
  });

  it("node running the eks-token bundle counts as eks-token", () => {
    expect(readExecTarget("/usr/bin/node", ["/opt/eks-token/dist/eks-token.cjs", "token", "-i", "prod"], [])).toEqual({
      kind: "ok",
      tool: "eks-token",
      input: { clusterName: "prod" },
    });
    expect(readExecTarget("/usr/bin/node", ["/srv/app.js", "token", "-i", "prod"], [])).toEqual({ kind: "not-peer" });
  });

  it("a native executable under its platform name counts as eks-token; other names do not", () => {
    for (const command of [
      "/usr/local/bin/eks-token-linux-x64",
      "/opt/bin/eks-token-linux-arm64-musl",
      "C:\\tools\\eks-token-windows-x64.exe",
    ])
      expect(readExecTarget(command, ["token", "-i", "prod"], []), command).toEqual({
        kind: "ok",
        tool: "eks-token",
        input: { clusterName: "prod" },
      });
    for (const command of ["/usr/bin/eks-tokenizer", "/usr/bin/my-eks-token", "/usr/bin/eks-token-a-b-c-d"])
      expect(readExecTarget(command, ["token", "-i", "prod"], []), command).toEqual({ kind: "not-peer" });
  });

  it("aws eks get-token, global options anywhere", () => {
    expect(
      readExecTarget(
        "aws",
        [
          "--region",
          "us-west-2",
          "eks",
          "get-token",
          "--cluster-name",
          "c",
          "--role",
          "arn:aws:iam::111122223333:role/r",
          "--output",
          "json",
        ],
        [],
      ),
    ).toEqual({
      kind: "ok",
      tool: "aws",
      input: { clusterName: "c", region: "us-west-2", roleArn: "arn:aws:iam::111122223333:role/r" },
    });
  });

  it("aws-iam-authenticator with the cluster id from its env", () => {
    expect(
      readExecTarget(
        "aws-iam-authenticator",
        ["token", "--forward-session-name"],
        [{ name: "KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID", value: "c" }],
      ),
    ).toEqual({
      kind: "ok",
      tool: "aws-iam-authenticator",
      input: { clusterName: "c", forwardSessionName: true },
    });
  });

  it("arguments it cannot read, and other tools", () => {
    expect(readExecTarget("eks-token", ["token"], [])).toMatchObject({
      kind: "unsupported",
      reason: "no cluster name in the arguments",
    });
    expect(readExecTarget("eks-token", ["token", "--bogus", "x", "--cluster-name", "c"], [])).toMatchObject({
      kind: "unsupported",
    });
    expect(readExecTarget("gke-gcloud-auth-plugin", [], [])).toEqual({ kind: "not-peer" });
  });
});
