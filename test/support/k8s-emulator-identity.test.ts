import { describe, expect, it } from "vitest";
import { expandTemplate, forbiddenMessage, isAllowed, mapCaller, type Caller } from "./k8s-emulator-identity.js";

const caller: Caller = {
  account: "123456789012",
  arn: "arn:aws:sts::123456789012:assumed-role/Dev/carol",
  canonicalArn: "arn:aws:iam::123456789012:role/Dev",
  userId: "AROAEXAMPLE",
  sessionName: "carol",
  accessKeyId: "ASIAEXAMPLE",
};

describe("emulated EKS identity mapping", () => {
  it("prefers an access entry over aws-auth", () => {
    const user = mapCaller(caller, [{ principalArn: caller.canonicalArn, username: "entry" }], {
      mapRoles: [{ rolearn: caller.canonicalArn, username: "aws-auth" }],
    });
    expect(user).toMatchObject({
      username: "entry",
      groups: ["system:authenticated"],
      via: `access entry ${caller.canonicalArn}`,
    });
  });

  it("falls back to aws-auth mapRoles by canonical ARN, filling {{SessionName}} and {{AccountID}}", () => {
    const user = mapCaller(caller, [], {
      mapRoles: [{ rolearn: caller.canonicalArn, username: "dev:{{AccountID}}:{{SessionName}}", groups: ["devs"] }],
    });
    expect(user).toMatchObject({
      username: "dev:123456789012:carol",
      groups: ["devs", "system:authenticated"],
      extra: { sessionName: ["carol"] },
    });
  });

  it("maps nobody it does not know", () => {
    expect(
      mapCaller(caller, [], { mapUsers: [{ userarn: "arn:aws:iam::123456789012:user/x", username: "x" }] }),
    ).toBeUndefined();
  });

  it("leaves unknown placeholders as written", () => {
    expect(expandTemplate("{{EC2PrivateDNSName}}", caller)).toBe("{{EC2PrivateDNSName}}");
  });

  it("authorizes by user or group, namespace, verb and resource", () => {
    const user = mapCaller(caller, [{ principalArn: caller.canonicalArn, username: "carol", groups: ["devs"] }])!;
    const rules = [{ group: "devs", namespace: "a", verbs: ["list"], resources: ["pods"] }];
    expect(isAllowed(user, { verb: "list", resource: "pods", namespace: "a" }, rules)).toBe(true);
    expect(isAllowed(user, { verb: "get", resource: "pods", namespace: "a" }, rules)).toBe(false);
    expect(
      isAllowed(user, { verb: "list", resource: "pods", namespace: "b" }, [
        { user: "carol", namespace: "*", verbs: ["*"], resources: ["pods"] },
      ]),
    ).toBe(true);
    expect(forbiddenMessage(user, { verb: "list", resource: "namespaces", namespace: undefined })).toBe(
      'namespaces is forbidden: User "carol" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
  });
});
