// Every input that reaches a signed header, a host name, an STS parameter or an ini section is
// checked first, and refused with a message that says what a valid value looks like.
import { describe, expect, it } from "vitest";
import { EksTokenError } from "../src/errors.js";
import {
  validateClusterId,
  validateExternalId,
  validateProfileName,
  ARN_PARTITIONS,
  validateRoleArn,
  validateSessionName,
} from "../src/validate.js";
import { quote } from "../src/quote.js";
import { PARTITIONS } from "../src/token/sts-host.js";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

function refusal(fn: () => unknown): EksTokenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EksTokenError);
    return e as EksTokenError;
  }
  throw new Error("expected the value to be refused");
}

describe("validateClusterId", () => {
  it.each([
    "prod",
    "my-cluster",
    "my_cluster",
    "my.cluster.example",
    "a",
    "Prod-Cluster_2.0",
    "0123456789abcdef0123456789abcdef", // an Outposts cluster id
    "a".repeat(100),
    "a".repeat(255),
  ])("accepts %j", (name) => {
    expect(validateClusterId(name)).toBe(name);
  });

  it.each([undefined, ""])("missing: %j", (value) => {
    const e = refusal(() => validateClusterId(value));
    expect(e.code).toBe("usage");
    expect(e.message).toBe("missing cluster name");
    expect(e.hint).toMatch(/--cluster-name/);
    expect(e.hint).toMatch(/KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID/);
  });

  it("256 characters", () => {
    const e = refusal(() => validateClusterId("a".repeat(256)));
    expect(e.code).toBe("invalid-input");
    expect(e.message).toBe("invalid cluster name: 256 characters");
  });

  it.each([
    ["a space", "my cluster"],
    ["a leading space", " prod"],
    ["a trailing space", "prod "],
    ["a tab", "prod\tx"],
    ["a newline", "prod\n"],
    ["a carriage return", "prod\r"],
    ["a NUL", "prod\u0000"],
    ["a bell", "pr\u0007od"],
    ["DEL", "prod\u007f"],
    ["a C1 control", "prod\u0085"],
    ["a zero-width space", "pro\u200bd"],
    ["a byte-order mark", "\ufeffprod"],
    ["a non-breaking space", "pro\u00a0d"],
    ["header injection", "prod\r\nx-evil: 1"],
  ])("refuses %s", (_label, value) => {
    const e = refusal(() => validateClusterId(value));
    expect(e.code).toBe("invalid-input");
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`invalid cluster name ${quote(value)}: it contains whitespace or control characters`);
    // The message is one line whatever the input held, and shows controls as escapes.
    expect(e.reportLine).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b\ufeff]/);
  });
});

describe("validateRoleArn", () => {
  it("knows the partitions of the AWS SDK's partitions data, and those alone", async () => {
    // @aws-sdk/core ships the table the SDK's endpoint rules use; its package exports do not reach it.
    const root = dirname(dirname(dirname(dirname(createRequire(import.meta.url).resolve("@aws-sdk/core/client")))));
    const file = join(root, "dist-es", "submodules", "client", "util-endpoints", "lib", "aws", "partitions.js");
    const { partitionsInfo } = (await import(pathToFileURL(file).href)) as {
      partitionsInfo: { partitions: { id: string }[] };
    };
    const ids = partitionsInfo.partitions.map((p) => p.id);
    expect([...ARN_PARTITIONS].sort()).toEqual([...ids].sort());
    // The STS host table covers the same partitions.
    expect(PARTITIONS.map((p) => p.name).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const arn = `arn:${id}:iam::123456789012:role/r`;
      expect(validateRoleArn(arn)).toBe(arn);
    }
  });

  it.each([
    "arn:aws:iam::123456789012:role/eks-admins",
    "arn:aws:iam::123456789012:role/path/to/eks-admins",
    "arn:aws:iam::123456789012:role/service-role/Name+With=Chars,And.At@sign_",
    "arn:aws-cn:iam::123456789012:role/cn-role",
    "arn:aws-cn:iam::123456789012:role/team/cn-role",
    "arn:aws-us-gov:iam::123456789012:role/gov/nested/path/role",
    "arn:aws-iso-b:iam::123456789012:role/r",
    "arn:aws-eusc:iam::123456789012:role/r",
    `arn:aws:iam::123456789012:role/${"r".repeat(64)}`,
  ])("accepts %s", (arn) => {
    expect(validateRoleArn(arn)).toBe(arn);
  });

  it.each([
    ["missing account", "arn:aws:iam:::role/eks-admins"],
    ["short account", "arn:aws:iam::12345678901:role/eks-admins"],
    ["long account", "arn:aws:iam::1234567890123:role/eks-admins"],
    ["account with letters", "arn:aws:iam::12345678901a:role/eks-admins"],
    ["a user ARN", "arn:aws:iam::123456789012:user/alice"],
    ["an assumed-role ARN", "arn:aws:sts::123456789012:assumed-role/eks-admins/session"],
    ["a policy ARN", "arn:aws:iam::aws:policy/AdministratorAccess"],
    ["no role name", "arn:aws:iam::123456789012:role/"],
    ["a region in an IAM ARN", "arn:aws:iam:us-east-1:123456789012:role/r"],
    ["another service", "arn:aws:s3::123456789012:role/r"],
    ["an unknown partition shape", "arn:azure:iam::123456789012:role/r"],
    ["a partition that does not exist", "arn:aws-evil:iam::123456789012:role/r"],
    ["a partition's prefix", "arn:aws-iso-:iam::123456789012:role/r"],
    ["a partition made of others", "arn:aws-cn-aws:iam::123456789012:role/r"],
    ["no partition", "arn::iam::123456789012:role/r"],
    ["a space", "arn:aws:iam::123456789012:role/eks admins"],
    ["a newline", "arn:aws:iam::123456789012:role/r\n"],
    ["garbage", "garbage"],
    ["a bare role name", "eks-admins"],
    ["empty", ""],
    ["upper case prefix", "ARN:AWS:IAM::123456789012:role/r"],
  ])("refuses %s", (_label, arn) => {
    const e = refusal(() => validateRoleArn(arn));
    expect(e.code).toBe("invalid-input");
    expect(e.message).toBe(`malformed role ARN ${quote(arn)}`);
    expect(e.hint).toContain("arn:aws:iam::123456789012:role/NAME");
  });
});

describe("validateSessionName (STS RoleSessionName)", () => {
  it.each(["EKSGetTokenAuth", "ab", "alice@example.com", "a+b=c,d.e@f-g_h", "s".repeat(64)])("accepts %j", (name) => {
    expect(validateSessionName(name)).toBe(name);
  });

  it.each(["a", "", "s".repeat(65), "with space", "slash/name", "colon:name", "new\nline", "ünïcode"])(
    "refuses %j",
    (name) => {
      const e = refusal(() => validateSessionName(name));
      expect(e.code).toBe("invalid-input");
      expect(e.message).toBe(`invalid session name ${quote(name)}`);
      expect(e.hint).toContain("2 to 64");
    },
  );
});

describe("validateExternalId (STS ExternalId)", () => {
  it.each(["ab", "ext-id-42", "urn:example:a/b", "a+b=c,d.e@f:g/h-i_j", "x".repeat(1224)])("accepts %j", (id) => {
    expect(validateExternalId(id)).toBe(id);
  });

  it.each(["x", "", "x".repeat(1225), "with space", "tab\tid", "new\nline", 'quote"id', "semi;colon"])(
    "refuses %j",
    (id) => {
      const e = refusal(() => validateExternalId(id));
      expect(e.code).toBe("invalid-input");
      // The external id is a shared secret of sorts: the message does not repeat it.
      expect(e.message).toBe("invalid external id");
      expect(e.hint).toContain("2 to 1224");
    },
  );
});

describe("validateProfileName", () => {
  it.each(["default", "dev", "my profile", "team:prod", "x".repeat(256)])("accepts %j", (name) => {
    expect(validateProfileName(name)).toBe(name);
  });

  it.each(["", " dev", "dev ", "a]b", "a[b", "dev\n", "nul\u0000", "x".repeat(257)])("refuses %j", (name) => {
    const e = refusal(() => validateProfileName(name));
    expect(e.message).toBe(`invalid profile name ${quote(name)}`);
  });
});

describe("the control and format character check", () => {
  it("refuses exactly the code points that are whitespace, Unicode Cc or Cf", () => {
    const reference = /[\s\p{Cc}\p{Cf}]/u;
    const mismatches: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // lone surrogates are not characters
      const ch = String.fromCodePoint(cp);
      let refused = false;
      try {
        validateClusterId(`a${ch}b`);
      } catch {
        refused = true;
      }
      if (refused !== reference.test(ch)) mismatches.push(cp.toString(16));
    }
    expect(mismatches).toEqual([]);
  });
});
