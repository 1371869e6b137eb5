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
    for (const bad of ["http://x", "x", "https://", "ftp://x", "file:///etc/passwd", "https://u:p@x", "https://u@x"])
      rejects(() => v.checkEndpoint(bad));
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    expect(v.checkCaData(b64(pem))).toBe(b64(pem));
    expect(v.checkCaData(b64(`${pem}${pem}`))).toBe(b64(`${pem}${pem}`));
    for (const bad of [
      "",
      "QUJ",
      "QU JD",
      "-----BEGIN",
      "QUJD====",
      "QUJD",
      b64("-----BEGIN CERTIFICATE-----\nMIIB\n"),
    ])
      rejects(() => v.checkCaData(bad));
  });
  test("a DescribeCluster answer is held to the flags' rules and to what was asked", () => {
    const ca = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
    const arn = "arn:aws:eks:us-west-2:123456789012:cluster/demo";
    const good = { arn, endpoint: "https://x.example.com", caData: ca };
    const asked = { name: "demo", region: "us-west-2" };
    expect(v.checkDescribedCluster(good, asked).arn).toEqual({
      arn,
      region: "us-west-2",
      account: "123456789012",
      name: "demo",
    });
    expect(v.checkDescribedCluster(good, { ...asked, account: "123456789012" }).endpoint).toBe("https://x.example.com");
    const refused = (answer: object, a: v.AskedCluster = asked) => {
      try {
        v.checkDescribedCluster({ ...good, ...answer }, a);
      } catch (e) {
        expect((e as EksTokenError).code).toBe("kubeconfig");
        return (e as Error).message;
      }
      throw new Error("expected a refusal");
    };
    expect(refused({}, { ...asked, account: "210987654321" })).toMatch(/the ARN of a cluster in another account/);
    expect(refused({ arn: arn.replace("demo", "demo2") })).toMatch(/the ARN of another cluster/);
    expect(refused({ endpoint: "https://u:secret@x.example.com" })).not.toContain("secret");
    expect(refused({ caData: "QUJD" })).toMatch(/not the base64 of a PEM certificate/);
  });
});
