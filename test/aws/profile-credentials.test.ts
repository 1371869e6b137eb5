import { describe, expect, it } from "vitest";
import { profileStaticKeys } from "../../src/aws/profile-credentials.js";

const KEYS = { aws_access_key_id: "AKIAPROFILEKEY000001", aws_secret_access_key: "profileSecret/EXAMPLE" };

describe("profileStaticKeys", () => {
  it("returns the keys written in the profile, with a session token when there is one", () => {
    expect(profileStaticKeys({ ...KEYS, region: "eu-west-1" })).toEqual({
      accessKeyId: KEYS.aws_access_key_id,
      secretAccessKey: KEYS.aws_secret_access_key,
    });
    expect(profileStaticKeys({ ...KEYS, aws_session_token: "tok" })).toMatchObject({ sessionToken: "tok" });
  });

  it("needs both keys", () => {
    expect(profileStaticKeys({ aws_access_key_id: KEYS.aws_access_key_id })).toBeUndefined();
    expect(profileStaticKeys({ aws_secret_access_key: KEYS.aws_secret_access_key })).toBeUndefined();
    expect(profileStaticKeys({ ...KEYS, aws_access_key_id: "" })).toBeUndefined();
  });

  it.each([
    "role_arn",
    "source_profile",
    "credential_source",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "credential_process",
    "web_identity_token_file",
  ])("leaves a profile that also has %s to the SDK", (key) => {
    expect(profileStaticKeys({ ...KEYS, [key]: "x" })).toBeUndefined();
  });
});
