// Why a listing failed, as sync reports it for the entries it keeps (src/usecases/sync/discover.ts
// classify): the error shapes the SDK clients give, the reset connection taken from a real one.
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { fleetClients } from "../../../src/aws/fleet-clients.js";
import { classify, TRANSIENT } from "../../../src/usecases/sync/discover.js";

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });

describe("classify", () => {
  it.each([
    ["a throttle", named("ThrottlingException"), "throttled"],
    ["a 429", named("Whatever", { $metadata: { httpStatusCode: 429 } }), "throttled"],
    ["an expired portal token", named("UnauthorizedException"), "sso-expired"],
    ["AccessDenied", named("AccessDeniedException"), "access-denied"],
    ["a region not opted in", named("UnrecognizedClientException"), "region-unavailable"],
    ["a name that does not resolve", named("Error", { code: "ENOTFOUND" }), "region-unavailable"],
    ["an abort (the call's own bound)", named("AbortError"), "timeout"],
    ["a TimeoutError without a code", named("TimeoutError"), "timeout"],
    ["a reset the SDK names TimeoutError", named("TimeoutError", { code: "ECONNRESET" }), "connection-closed"],
    ["a refused connection", named("Error", { code: "ECONNREFUSED" }), "connection-closed"],
    ["a broken pipe", named("Error", { code: "EPIPE" }), "connection-closed"],
    ["anything else", named("Error"), "error"],
  ])("%s", (_, error, reason) => {
    expect(classify(error)).toBe(reason);
  });

  it("a connection closed unanswered is transient: the entries it would have shown are kept as stale", () => {
    expect(TRANSIENT.has("connection-closed")).toBe(true);
  });

  it("the SSO portal client's error for a server that resets the connection is a closed connection, not a timeout", async () => {
    const server = createServer((req) => req.socket.resetAndDestroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const saved = process.env["AWS_ENDPOINT_URL_SSO"];
    process.env["AWS_ENDPOINT_URL_SSO"] = `http://127.0.0.1:${port}`;
    try {
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      const clients = fleetClients({ env: {}, logger, now: Date.now });
      const error = await clients
        .portal("us-east-1")
        .listAccounts("token", undefined, AbortSignal.timeout(5_000))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(classify(error)).toBe("connection-closed");
    } finally {
      if (saved === undefined) delete process.env["AWS_ENDPOINT_URL_SSO"];
      else process.env["AWS_ENDPOINT_URL_SSO"] = saved;
      server.close();
    }
  });
});
