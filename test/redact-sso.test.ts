// The secrets of an IAM Identity Center sign-in, wherever they could reach a message or --debug:
// the token file's JSON, the OIDC calls' bodies, the callback's address.
import { describe, expect, it } from "vitest";
import { redact } from "../src/redact.js";

const ACCESS = "aoaAAAAAGdZ3kAbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdEFGH";
const REFRESH = "aorAAAAAGdZ3kZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-_hgfeDCBA";
const SECRET = "eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.eyJzZXJpYWxpemVk";
const VERIFIER = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVkcGx1Z3h5";
const DEVICE = "k7dSJ2yDEwXlPZ2Mbe0a4Q8cT5u1wV6xY3zA9bC0dE2fG4hI6jK8lM0nO2pQ4rS6";
const CODE = "code-QC4ccbh6nDvb62i5s_nRpooEpWLcJfJY";

describe("redact, for a sign-in's secrets", () => {
  it("leaves none of them in the token file's JSON or the calls' bodies", () => {
    const texts = [
      JSON.stringify({ accessToken: ACCESS, refreshToken: REFRESH, clientId: "client-1", clientSecret: SECRET }),
      JSON.stringify({
        clientId: "client-1",
        clientSecret: SECRET,
        grantType: "authorization_code",
        codeVerifier: VERIFIER,
      }),
      JSON.stringify({ grantType: "urn:ietf:params:oauth:grant-type:device_code", deviceCode: DEVICE }),
      `callback http://127.0.0.1:4711/oauth/callback?code=${CODE}&state=abc`,
      `access_token=${ACCESS} refresh_token=${REFRESH} client_secret=${SECRET} code_verifier=${VERIFIER}`,
    ];
    for (const text of texts) {
      const out = redact(text);
      for (const secret of [ACCESS, REFRESH, SECRET, VERIFIER, DEVICE, CODE]) expect(out).not.toContain(secret);
    }
    // What identifies, stays.
    expect(redact(texts[0] ?? "")).toContain("client-1");
  });
});
