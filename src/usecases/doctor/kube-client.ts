/**
 * The Kubernetes API as `eks-token doctor` uses it: a TCP connect and a TLS handshake with the
 * cluster's CA, and JSON requests with a bearer token. node:https is loaded when first used; every
 * step is bounded.
 */
export interface KubeResponse {
  readonly status: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

export type ProbeResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly stage: "tcp" | "tls"; readonly message: string };

export interface KubeApi {
  /** Connects and completes a TLS handshake that verifies the server against the CA. */
  probe(): Promise<ProbeResult>;
  request(method: "GET" | "POST", path: string, token: string, body?: unknown): Promise<KubeResponse>;
}

export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(
    readonly kind: "timeout" | "unreachable" | "tls" | "too-large",
    message: string,
  ) {
    super(message);
  }
}

export interface KubeApiOptions {
  readonly server: string;
  /** base64 PEM, as certificate-authority-data; undefined: the system's roots. */
  readonly caData: string | undefined;
  /** The bound of each step. */
  readonly timeoutMs: number;
  /** What is left of the caller's own bound: each step gets at most this. */
  readonly remainingMs?: (() => number) | undefined;
}

const MAX_BODY_BYTES = 1024 * 1024;
const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|SSL|altnames/i;

export function createKubeApi(options: KubeApiOptions): KubeApi {
  const url = new URL(options.server);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "http:" ? 80 : 443));
  const ca = options.caData ? Buffer.from(options.caData, "base64").toString("utf8") : undefined;
  const servername = /^[\d.]+$|:/.test(host) ? undefined : host;
  // Whole milliseconds: AbortSignal.timeout() refuses a fraction.
  const stepMs = () =>
    Math.max(1, Math.floor(Math.min(options.timeoutMs, options.remainingMs?.() ?? options.timeoutMs)));
  const where = `${host}:${port}`;
  return {
    async probe() {
      const timeoutMs = stepMs();
      const net = await import("node:net");
      const tls = await import("node:tls");
      const socket = await new Promise<import("node:net").Socket | ProbeResult>((resolve) => {
        const s = net.connect({ host, port });
        const timer = setTimeout(() => {
          s.destroy();
          resolve({ ok: false, stage: "tcp", message: `no TCP connection to ${where} within ${timeoutMs / 1000} s` });
        }, timeoutMs);
        s.once("connect", () => {
          clearTimeout(timer);
          resolve(s);
        });
        s.once("error", (e: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          resolve({ ok: false, stage: "tcp", message: `cannot connect to ${where}: ${e.code ?? e.message}` });
        });
      });
      if ("ok" in socket) return socket;
      if (url.protocol === "http:") {
        socket.destroy();
        return { ok: true };
      }
      return new Promise<ProbeResult>((resolve) => {
        const t = tls.connect({ socket, ...(ca ? { ca } : {}), ...(servername ? { servername } : {}), host });
        const done = (result: ProbeResult) => {
          clearTimeout(timer);
          t.destroy();
          socket.destroy();
          resolve(result);
        };
        const timer = setTimeout(
          () =>
            done({ ok: false, stage: "tls", message: `no TLS handshake with ${where} within ${timeoutMs / 1000} s` }),
          timeoutMs,
        );
        t.once("secureConnect", () => done({ ok: true }));
        t.once("error", (e: NodeJS.ErrnoException) =>
          done({ ok: false, stage: "tls", message: `TLS handshake with ${where} failed: ${e.code ?? e.message}` }),
        );
      });
    },
    async request(method, path, token, body) {
      const send =
        url.protocol === "http:" ? (await import("node:http")).request : (await import("node:https")).request;
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const timeoutMs = stepMs();
      const signal = AbortSignal.timeout(timeoutMs);
      // A promise settles once: whatever a runtime emits after an answer is cut short is ignored.
      return new Promise<KubeResponse>((resolve, reject) => {
        const fail = (e: NodeJS.ErrnoException) => {
          if (signal.aborted)
            reject(new KubeApiError("timeout", `${where} did not answer within ${timeoutMs / 1000} s`));
          else if (TLS_ERRORS.test(`${e.code ?? ""} ${e.message}`))
            reject(new KubeApiError("tls", `TLS with ${where} failed: ${e.code ?? e.message}`));
          else reject(new KubeApiError("unreachable", `cannot reach ${where}: ${e.code ?? e.message}`));
        };
        const req = send(
          new URL(path, url),
          {
            method,
            signal,
            ...(ca ? { ca } : {}),
            ...(servername ? { servername } : {}),
            headers: {
              authorization: `Bearer ${token}`,
              accept: "application/json",
              ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on("data", (c: Buffer) => {
              size += c.length;
              if (size > MAX_BODY_BYTES) {
                reject(new KubeApiError("too-large", `${where} answered more than ${MAX_BODY_BYTES} bytes`));
                res.destroy();
                req.destroy();
              } else chunks.push(c);
            });
            res.on("end", () => {
              if (size > MAX_BODY_BYTES) return;
              let json: unknown;
              try {
                json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
              } catch {
                json = undefined;
              }
              resolve({ status: res.statusCode ?? 0, json });
            });
            res.on("error", fail);
            res.on("close", () => {
              if (!res.complete) fail(new Error("connection closed before the response ended"));
            });
          },
        );
        req.on("error", fail);
        req.end(payload);
      });
    },
  };
}
