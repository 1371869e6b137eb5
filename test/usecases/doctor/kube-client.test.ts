// createKubeApi against loopback servers: an answer over the size cap is an error (never the part
// read so far, or an empty success), and each request's time is what is left of the caller's bound.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { createKubeApi, KubeApiError } from "../../../src/usecases/doctor/kube-client.js";
import { listenOnLoopback, type LoopbackListener } from "../../support/loopback-server.js";

const servers: LoopbackListener[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const listener = await listenOnLoopback(createServer(handler));
  servers.push(listener);
  return `http://127.0.0.1:${listener.port}`;
}

describe("createKubeApi", () => {
  it("a 201 over the size cap is a too-large error, with or without a content-length", async () => {
    for (const length of [true, false]) {
      const server = await serve((_req, res) => {
        const chunk = Buffer.alloc(256 * 1024, "a");
        res.writeHead(201, {
          "content-type": "application/json",
          ...(length ? { "content-length": 8 * chunk.length } : {}),
        });
        for (let i = 0; i < 8; i++) res.write(chunk);
        res.end();
      });
      const kube = createKubeApi({ server, caData: undefined, timeoutMs: 5_000 });
      const error = await kube
        .request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "t")
        .catch((e) => e);
      expect(error).toBeInstanceOf(KubeApiError);
      expect(error).toMatchObject({
        kind: "too-large",
        message: expect.stringContaining("answered more than 1048576 bytes"),
      });
    }
  });

  it("a 201 whose body is not JSON: the status with no JSON, for the check to judge", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(201, { "content-type": "text/html" });
      res.end("<html>hello</html>");
    });
    const kube = createKubeApi({ server, caData: undefined, timeoutMs: 5_000 });
    expect(await kube.request("GET", "/x", "t")).toEqual({ status: 201, json: undefined });
  });

  it("each request gets what is left of the caller's bound when that is less than a step", async () => {
    const server = await serve(() => {
      // never answers
    });
    let left = 300;
    const kube = createKubeApi({ server, caData: undefined, timeoutMs: 5_000, remainingMs: () => left });
    await expect(kube.request("GET", "/x", "t")).rejects.toMatchObject({
      kind: "timeout",
      message: expect.stringContaining("did not answer within 0.3 s"),
    });
    left = 0;
    await expect(kube.request("GET", "/x", "t")).rejects.toMatchObject({ kind: "timeout" });
  });
});
