import { describe, expect, test } from "vitest";
import * as v from "../../src/kubeconfig/validate.js";
import { EksTokenError } from "../../src/errors.js";

const rejects = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EksTokenError);
    expect((e as EksTokenError).code).toBe("invalid-input");
    return;
  }
  throw new Error("expected a rejection");
};

describe("validate", () => {
  test("EKS cluster names", () => {
    for (const ok of ["a", "prod-1", "my_cluster", "A".repeat(100)]) expect(v.checkEksClusterName(ok)).toBe(ok);
    for (const bad of ["", "-a", "_a", "a b", "a.b", "A".repeat(101), "a/b"]) rejects(() => v.checkEksClusterName(bad));
  });
  test("pass-through cluster names", () => {
    expect(v.checkPassThroughClusterName("a.b:c/d")).toBe("a.b:c/d");
    for (const bad of ["", "a b", "a\nb", "x".repeat(256), "é"]) rejects(() => v.checkPassThroughClusterName(bad));
  });
  test("regions", () => {
    for (const ok of ["us-west-2", "cn-north-1", "eusc-de-east-1", "x"]) expect(v.checkRegion(ok)).toBe(ok);
    for (const bad of ["", "US-WEST-2", "us-west-2.", "-us", "us-", "us west", "a.b"])
      rejects(() => v.checkRegion(bad));
  });
  test("role ARNs", () => {
    expect(v.checkRoleArn("arn:aws-us-gov:iam::123456789012:role/path/x")).toContain("role/path/x");
    for (const bad of [
      "arn:aws:iam::123:role/x",
      "arn:aws:iam::123456789012:user/x",
      "arn:aws:iam::123456789012:role/",
      "role/x",
    ])
      rejects(() => v.checkRoleArn(bad));
  });
  test("cluster ARNs", () => {
    expect(v.parseClusterArn("arn:aws-cn:eks:cn-north-1:123456789012:cluster/c1")).toEqual({
      arn: "arn:aws-cn:eks:cn-north-1:123456789012:cluster/c1",
      region: "cn-north-1",
      account: "123456789012",
      name: "c1",
    });
    rejects(() => v.parseClusterArn("arn:aws:eks:us-west-2:123456789012:nodegroup/c1"));
  });
  test("endpoints and CA data", () => {
    expect(v.checkEndpoint("https://ABC.gr7.us-west-2.eks.amazonaws.com")).toContain("https://");
    for (const bad of ["http://x", "x", "https://", "ftp://x"]) rejects(() => v.checkEndpoint(bad));
    expect(v.checkCaData("QUJD")).toBe("QUJD");
    expect(v.checkCaData("QUI=")).toBe("QUI=");
    for (const bad of ["", "QUJ", "QU JD", "-----BEGIN", "QUJD===="]) rejects(() => v.checkCaData(bad));
  });
});
