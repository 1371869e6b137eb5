// verify --sts over TLS: the client names the server (SNI) only when the endpoint is a host name.
// RFC 6066 forbids an IP address as a ServerName: Node warns about one (DEP0123) and Bun refuses
// the connection ("Setting the TLS ServerName to an IP address is not permitted"), so an
// https://<IP address> endpoint must connect with no servername at all.
import { createServer, type Server } from "node:tls";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchCallerIdentity } from "../../src/aws/sts-client.js";
import { makeServerTls } from "../support/k8s-emulator-tls.js";

describe("verify --sts over TLS", () => {
  let server: Server;
  let port: number;
  let names: (string | undefined)[] = [];
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code ?? w.name}: ${w.message}`);

  beforeAll(async () => {
    const tls = await makeServerTls("sts-tls-test");
    server = createServer({
      cert: tls.certPem,
      key: tls.keyPem,
      SNICallback: (name, cb) => {
        names.push(name);
        cb(null, undefined);
      },
    });
    // A hello without a server name never reaches the callback; count it apart.
    server.on("connection", () => names.push(undefined));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
    process.on("warning", onWarning);
  });
  afterAll(() => {
    process.off("warning", onWarning);
    server?.close();
  });
  beforeEach(() => {
    names = [];
    warnings.length = 0;
  });

  const call = (endpoint: string) =>
    fetchCallerIdentity({
      url: "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
      clusterId: "c",
      env: { AWS_ENDPOINT_URL_STS: endpoint },
      timeoutMs: 5_000,
    }).then(
      () => "answered",
      (e: Error) => e.message,
    );

  it("sends no server name to an IP address, and Node has nothing to warn about", async () => {
    // The test's certificate is not trusted, so the call fails after the hello: what matters is the hello.
    const outcome = await call(`https://127.0.0.1:${port}`);
    expect(outcome).not.toBe("answered");
    expect(outcome).not.toMatch(/ServerName/i);
    await new Promise((r) => setImmediate(r));
    expect(names).toEqual([undefined]);
    expect(warnings.filter((w) => /DEP0123|ServerName/.test(w))).toEqual([]);
  });

  it("names a host name", async () => {
    const outcome = await call(`https://localhost:${port}`);
    expect(outcome).not.toBe("answered");
    expect(names).toContain("localhost");
  });
});
