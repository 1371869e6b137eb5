// The bounded handler every SDK client gets: an endless or oversized answer ends with one clear
// error while the bytes read stay near the cap, a slow answer ends at the bound (body included),
// and the SDK's retry does not send again a request that was sent.
import { createServer, type Server } from "node:http";
import { HttpRequest } from "@smithy/protocol-http";
import { afterEach, describe, expect, it } from "vitest";
import { type BoundedRequestHandler, boundedRequestHandler } from "../../src/aws/http-handler.js";
import { isEksTokenError } from "../../src/errors.js";
import { ACCOUNT, ALICE } from "../support/cache-fixture.js";
import { sendEndlessBody } from "../support/endless-body.js";
import { listenOnLoopback, type LoopbackListener } from "../support/loopback-server.js";
import { startStsEmulator } from "../support/sts-emulator.js";

let listener: LoopbackListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1] & object): Promise<number> {
  const server: Server = createServer(handler);
  listener = await listenOnLoopback(server);
  return listener.port;
}

function get(port: number): HttpRequest {
  return new HttpRequest({ protocol: "http:", hostname: "127.0.0.1", port, method: "GET", path: "/", headers: {} });
}

async function readAll(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const CAP = 256 * 1024;

describe("boundedRequestHandler", () => {
  it("stops an endless body near the cap with a clear error", async () => {
    let sent = -1;
    const ended = new Promise<void>((resolve) => {
      void serve((_req, res) =>
        sendEndlessBody(res, {
          onEnd: (n) => {
            sent = n;
            resolve();
          },
        }),
      ).then((port) => {
        portReady(port);
      });
    });
    let portReady!: (p: number) => void;
    const port = await new Promise<number>((r) => {
      portReady = r;
    });
    const handler = boundedRequestHandler({ maxBodyBytes: CAP, requestTimeoutMs: 10_000 });
    const { response } = await handler.handle(get(port));
    const error = await readAll(response.body).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEksTokenError(error)).toBe(true);
    expect((error as Error).message).toBe("the answer from 127.0.0.1 was larger than 256 kB");
    expect((error as { code: string }).code).toBe("too-large");
    await ended;
    // The server stopped being read soon after the cap: socket buffers, not the whole stream.
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it("refuses a declared Content-Length over the cap before reading", async () => {
    const port = await serve((_req, res) => sendEndlessBody(res, { contentLength: 10 * 1024 * 1024 * 1024 }));
    const handler = boundedRequestHandler({ maxBodyBytes: CAP, requestTimeoutMs: 10_000 });
    await expect(handler.handle(get(port))).rejects.toMatchObject({
      code: "too-large",
      message: "the answer from 127.0.0.1 was larger than 256 kB",
    });
  });

  it("passes an answer within the cap whole", async () => {
    const text = "x".repeat(CAP);
    const port = await serve((_req, res) => res.end(text));
    const handler = boundedRequestHandler({ maxBodyBytes: CAP, requestTimeoutMs: 10_000 });
    const { response } = await handler.handle(get(port));
    expect((await readAll(response.body)).toString()).toBe(text);
  });

  it("bounds a body that trickles, not only the wait for headers", async () => {
    const port = await serve((_req, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write("x"), 50);
      res.on("close", () => clearInterval(t));
    });
    const handler = boundedRequestHandler({ maxBodyBytes: CAP, requestTimeoutMs: 400 });
    const { response } = await handler.handle(get(port));
    await expect(readAll(response.body)).rejects.toMatchObject({
      code: "timeout",
      message: "127.0.0.1 did not answer within 0.4 s",
    });
  });

  it("ends an endless AssumeRole answer with the cap's error, sent once", async () => {
    const sts = await startStsEmulator();
    try {
      const alice = sts.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE });
      sts.addRole({ arn: ROLE, trust: [alice.arn] });
      sts.setFault({ action: "AssumeRole", kind: "endless" });
      const error = await assumeRole(sts.url, boundedRequestHandler({ maxBodyBytes: CAP, requestTimeoutMs: 10_000 }));
      expect(isEksTokenError(error)).toBe(true);
      expect((error as Error).message).toBe("the answer from 127.0.0.1 was larger than 256 kB");
      expect(sts.calls.AssumeRole).toBe(1);
    } finally {
      await sts.close();
    }
  });

  it("does not send again an AssumeRole still being answered when its time is up", async () => {
    const sts = await startStsEmulator();
    try {
      const alice = sts.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE });
      sts.addRole({ arn: ROLE, trust: [alice.arn] });
      sts.setFault({ action: "AssumeRole", kind: "latency", ms: 2_000 });
      const error = await assumeRole(
        sts.url,
        boundedRequestHandler({ maxBodyBytes: CAP, requestTimeoutMs: () => 300 }),
      );
      expect((error as Error).message).toBe("127.0.0.1 did not answer within 0.3 s");
      expect(sts.calls.AssumeRole).toBe(1);
    } finally {
      await sts.close();
    }
  });
});

const ROLE = `arn:aws:iam::${ACCOUNT}:role/bounded`;

/** AssumeRole through the SDK's own provider and STS client, with the SDK's retry allowed 3 attempts. */
async function assumeRole(endpoint: string, requestHandler: BoundedRequestHandler): Promise<unknown> {
  const { fromTemporaryCredentials } = await import("@aws-sdk/credential-providers");
  return fromTemporaryCredentials({
    masterCredentials: ALICE,
    params: { RoleArn: ROLE, RoleSessionName: "s" },
    clientConfig: { region: "us-west-2", endpoint, requestHandler, maxAttempts: 3 },
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
}
