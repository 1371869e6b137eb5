// The apiVersion kubectl gets back (docs/contract.md, "Exec info"): client-go fails when it differs from
// the one its kubeconfig names, so what KUBERNETES_EXEC_INFO asks for is echoed.
import { describe, expect, it } from "vitest";
import {
  API_V1,
  API_V1ALPHA1,
  API_V1BETA1,
  DEFAULT_API_VERSION,
  apiVersionFromExecInfo,
  execCredential,
  normalizeApiVersion,
} from "../../src/token/exec-credential.js";

const execInfo = (apiVersion: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ kind: "ExecCredential", apiVersion, spec: { interactive: false }, ...extra });

describe("apiVersionFromExecInfo", () => {
  it("the names are the Kubernetes ones and the default is v1beta1", () => {
    expect(API_V1).toBe("client.authentication.k8s.io/v1");
    expect(API_V1BETA1).toBe("client.authentication.k8s.io/v1beta1");
    expect(API_V1ALPHA1).toBe("client.authentication.k8s.io/v1alpha1");
    expect(DEFAULT_API_VERSION).toBe(API_V1BETA1);
  });

  it.each<[string, string | undefined]>([
    ["unset", undefined],
    ["empty", ""],
    ["whitespace only", "  \n"],
  ])("%s: v1beta1 without a warning", (_label, value) => {
    const choice = apiVersionFromExecInfo(value);
    expect(choice.apiVersion).toBe(API_V1BETA1);
    expect(choice.warning).toBeUndefined();
  });

  it.each([
    ["v1", API_V1],
    ["v1beta1", API_V1BETA1],
  ])("%s is echoed without a warning", (_label, version) => {
    expect(apiVersionFromExecInfo(execInfo(version))).toEqual({ apiVersion: version });
  });

  it("v1 with spec.cluster (provideClusterInfo: true) is echoed", () => {
    const value = execInfo(API_V1, {
      spec: {
        interactive: false,
        cluster: { server: "https://example.eks.amazonaws.com", "certificate-authority-data": "AAAA", config: null },
      },
    });
    expect(apiVersionFromExecInfo(value)).toEqual({ apiVersion: API_V1 });
  });

  it("v1alpha1 is echoed with one deprecation warning", () => {
    const choice = apiVersionFromExecInfo(execInfo(API_V1ALPHA1));
    expect(choice.apiVersion).toBe(API_V1ALPHA1);
    expect(choice.warning).toMatch(/deprecated/);
    expect(choice.warning).toContain("1.24");
    expect(choice.warning).not.toContain("\n");
  });

  it.each<[string, string, RegExp]>([
    [
      "an unknown version",
      execInfo("client.authentication.k8s.io/v2"),
      /unsupported apiVersion "client\.authentication\.k8s\.io\/v2"/,
    ],
    ["a short name (not what client-go sends)", execInfo("v1"), /unsupported apiVersion "v1"/],
    ["another group", execInfo("example.com/v1"), /unsupported apiVersion/],
    ["invalid JSON", "{not json", /not valid JSON/],
    ["truncated JSON", '{"apiVersion": "client.authentication.k8s.io/v1"', /not valid JSON/],
    ["an array", "[]", /no apiVersion/],
    ["an array holding an ExecCredential", `[${execInfo(API_V1)}]`, /no apiVersion/],
    ["a JSON string", '"string"', /no apiVersion/],
    ["null", "null", /no apiVersion/],
    ["a number", "42", /no apiVersion/],
    ["true", "true", /no apiVersion/],
    ["an object without apiVersion", '{"kind":"ExecCredential","spec":{"interactive":false}}', /no apiVersion/],
    ["apiVersion a number", execInfo(1), /no apiVersion/],
    ["apiVersion null", execInfo(null), /no apiVersion/],
    ["apiVersion an object", execInfo({ v: API_V1 }), /no apiVersion/],
    ["apiVersion an array", execInfo([API_V1]), /no apiVersion/],
  ])("%s: v1beta1 and exactly one warning line", (_label, value, pattern) => {
    let choice: ReturnType<typeof apiVersionFromExecInfo> | undefined;
    expect(() => (choice = apiVersionFromExecInfo(value))).not.toThrow();
    expect(choice?.apiVersion).toBe(API_V1BETA1);
    expect(choice?.warning).toMatch(pattern);
    expect(choice?.warning?.split("\n")).toHaveLength(1);
    expect(choice?.warning).toContain(API_V1BETA1);
  });
});

describe("normalizeApiVersion (--api-version)", () => {
  it.each([
    ["v1", API_V1],
    ["v1beta1", API_V1BETA1],
    ["v1alpha1", API_V1ALPHA1],
    [API_V1, API_V1],
    [API_V1BETA1, API_V1BETA1],
  ])("%s -> %s", (input, full) => {
    expect(normalizeApiVersion(input)).toBe(full);
  });

  it.each(["v2", "", "V1", "client.authentication.k8s.io/v2", "example.com/v1", "/v1"])("%j is refused", (input) => {
    expect(normalizeApiVersion(input)).toBeUndefined();
  });
});

describe("execCredential", () => {
  it("has exactly the shape `aws eks get-token` prints", () => {
    const cred = execCredential(API_V1BETA1, "k8s-aws-v1.abc", new Date(Date.UTC(2023, 3, 28, 0, 14, 0)));
    expect(JSON.stringify(cred)).toBe(
      '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{},' +
        '"status":{"expirationTimestamp":"2023-04-28T00:14:00Z","token":"k8s-aws-v1.abc"}}',
    );
  });

  it("carries the apiVersion it is given", () => {
    expect(execCredential(API_V1, "t", new Date(0)).apiVersion).toBe(API_V1);
  });

  it.each([
    [Date.UTC(2023, 3, 28, 0, 14, 0, 0), "2023-04-28T00:14:00Z"],
    [Date.UTC(2023, 3, 28, 0, 14, 0, 999), "2023-04-28T00:14:00Z"],
    [Date.UTC(1999, 11, 31, 23, 59, 59, 500), "1999-12-31T23:59:59Z"],
    [Date.UTC(2024, 1, 29, 7, 5, 3), "2024-02-29T07:05:03Z"],
  ])("expirationTimestamp of %d is %s (YYYY-MM-DDTHH:MM:SSZ, never fractional)", (ms, formatted) => {
    const ts = execCredential(API_V1BETA1, "t", new Date(ms)).status.expirationTimestamp;
    expect(ts).toBe(formatted);
    expect(ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });
});
