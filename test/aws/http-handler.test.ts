// The bounded handler every SDK client gets: an endless or oversized answer ends with one clear
// error while the bytes read stay near the cap, a slow answer ends at the bound (body included),
// and the SDK's retry does not send again a request that was sent; a kept-alive connection is not
// used once it has been idle long enough for the server to be closing it.
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
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
    expect((error as Error).message).toBe(`the answer from 127.0.0.1:${port} was larger than 256 kB`);
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
      message: `the answer from 127.0.0.1:${port} was larger than 256 kB`,
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
      message: `127.0.0.1:${port} did not answer within 0.4 s`,
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
      expect((error as Error).message).toBe(`the answer from 127.0.0.1:${sts.port} was larger than 256 kB`);
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
      expect((error as Error).message).toBe(`127.0.0.1:${sts.port} did not answer within 0.3 s`);
      expect(sts.calls.AssumeRole).toBe(1);
    } finally {
      await sts.close();
    }
  });
});

describe("kept-alive connections", () => {
  it("are used again for requests in a row", async () => {
    const server = await idleClosingServer(60_000);
    try {
      const handler = boundedRequestHandler({ maxBodyBytes: CAP, requestTimeoutMs: 10_000 });
      for (let i = 0; i < 3; i++) expect(await answer(handler, server.port)).toBe("ok");
      expect(server.connections).toBe(1);
      handler.destroy();
    } finally {
      await server.close();
    }
  });

  it("are not used once idle long enough for the server to be closing them", async () => {
    // The server drops, unread, a request that comes on a connection it found idle for 300 ms,
    // and resets the connection: what a request sent as the server's idle timer fires meets.
    const server = await idleClosingServer(300);
    try {
      const handler = boundedRequestHandler({ maxBodyBytes: CAP, requestTimeoutMs: 10_000, idleSocketMs: 100 });
      expect(await answer(handler, server.port)).toBe("ok");
      await new Promise((r) => setTimeout(r, 400));
      expect(await answer(handler, server.port)).toBe("ok");
      expect(server.dropped).toBe(0);
      expect(server.connections).toBe(2);
      handler.destroy();
    } finally {
      await server.close();
    }
  });
});

/**
 * An HTTP/1.1 server that keeps connections alive without announcing for how long, answers "ok",
 * and when a request arrives on a connection idle for `idleMs` or more closes it with a reset,
 * without reading or answering the request.
 */
async function idleClosingServer(idleMs: number): Promise<{
  readonly port: number;
  readonly connections: number;
  readonly dropped: number;
  close(): Promise<void>;
}> {
  let connections = 0;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let idleSince: number | undefined;
    let pending = "";
    socket.on("data", (data: Buffer) => {
      if (idleSince !== undefined && performance.now() - idleSince >= idleMs) {
        dropped++;
        socket.resetAndDestroy();
        return;
      }
      pending += data.toString("latin1");
      for (;;) {
        const headEnd = pending.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(pending.slice(0, headEnd))?.[1] ?? 0);
        if (pending.length < headEnd + 4 + length) return;
        pending = pending.slice(headEnd + 4 + length);
        socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        idleSince = performance.now();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    get dropped() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function answer(handler: BoundedRequestHandler, port: number): Promise<string> {
  const request = new HttpRequest({
    protocol: "http:",
    hostname: "127.0.0.1",
    port,
    method: "POST",
    path: "/",
    headers: { "content-type": "application/json", "content-length": "2" },
    body: "{}",
  });
  const { response } = await handler.handle(request);
  return (await readAll(response.body)).toString();
}

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
