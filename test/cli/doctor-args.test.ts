// parseDoctorArgs: the two ways to name the cluster, --can-i, and the usage errors (exit 2).
import { describe, expect, it } from "vitest";
import { parseDoctorArgs } from "../../src/cli/doctor-command.js";
import { isEksTokenError } from "../../src/errors.js";

function usageError(args: string[]): string {
  try {
    parseDoctorArgs(args);
  } catch (e) {
    if (isEksTokenError(e) && e.exitCode === 2) return e.message;
    throw e;
  }
  throw new Error(`no usage error for ${args.join(" ")}`);
}

describe("parseDoctorArgs", () => {
  it("the kubeconfig form, with --can-i and a namespace", () => {
    expect(parseDoctorArgs(["--context", "prod", "--can-i", "list", "pods", "-n", "team-a", "-o", "json"])).toEqual({
      help: false,
      output: "json",
      canI: { verb: "list", resource: "pods", namespace: "team-a" },
      source: { kind: "kubeconfig", context: "prod", kubeconfig: undefined },
    });
  });

  it("the flags form", () => {
    expect(
      parseDoctorArgs([
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--endpoint",
        "https://abc.eks.amazonaws.com",
        "--ca-data",
        "Q0EK",
      ]),
    ).toMatchObject({
      output: "text",
      source: {
        kind: "flags",
        clusterName: "prod",
        region: "eu-west-1",
        endpoint: "https://abc.eks.amazonaws.com",
        caData: "Q0EK",
      },
    });
  });

  it("usage errors", () => {
    expect(usageError(["--cluster-name", "c", "--context", "x"])).toMatch(/pick one/);
    expect(usageError(["--region", "eu-west-1"])).toBe("--region goes with --cluster-name");
    expect(usageError(["--can-i", "list"])).toBe("--can-i takes a verb and a resource");
    expect(usageError(["--can-i", "list", "pods", "-n", "Not_A_Namespace"])).toMatch(
      /is not a Kubernetes namespace name/,
    );
    expect(usageError(["--can-i", "li st", "pods"])).toMatch(/is not a Kubernetes verb/);
    expect(usageError(["pods"])).toBe('unexpected argument "pods"');
    expect(usageError(["-n", "default"])).toBe("--namespace goes with --can-i");
    expect(usageError(["--output", "yaml"])).toBe('unknown output format "yaml"');
    expect(usageError(["--cluster-name", "c", "--endpoint", "ftp://x"])).toBe("invalid --endpoint ftp://x");
    expect(usageError(["--cluster-name", "c", "--endpoint", "https://u:secretpw@x"])).toBe(
      "--endpoint must not carry a user name or password",
    );
    expect(usageError(["--cluster-name", "c", "--ca-data", "not base64!"])).toBe("--ca-data is not base64");
    expect(usageError(["--bogus"])).toBe("unknown option --bogus");
  });

  it("--endpoint http://... is refused as `kubeconfig --endpoint` refuses it, so no token goes out in clear", () => {
    for (const endpoint of ["http://127.0.0.1:6443", "HTTP://abc.eks.amazonaws.com", "https://"])
      expect(usageError(["--cluster-name", "c", "--endpoint", endpoint]), endpoint).toMatch(/^invalid --endpoint /);
  });

  it("values in usage errors are escaped: no escape sequence, C1 or bidi character reaches the terminal", () => {
    for (const args of [
      ["--output", "j\u001b[2J\u202e"],
      ["--can-i", "list\u009b", "pods"],
      ["--can-i", "list", "pods", "-n", "a\u2066b"],
      ["pods\u001b]8;;x\u0007"],
      ["--cluster-name", "c", "--endpoint", "http://x\u001b[2J"],
    ])
      expect(usageError(args)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it("--help", () => {
    expect(parseDoctorArgs(["--help"])).toEqual({ help: true });
  });
});
