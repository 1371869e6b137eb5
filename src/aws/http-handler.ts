/**
 * The one HTTP handler every AWS SDK client we create uses (STS, SSO, SSO-OIDC, the portal,
 * Account, EKS, and the credential endpoints): the SDK's own Node handler, with a cap on each
 * answer's body and one time bound from sending the request to the body's last byte.
 *
 * - A body over `maxBodyBytes` (by its Content-Length, or as it arrives) ends the request with
 *   "the answer from HOST was larger than N", before memory grows past the cap.
 * - A request that was sent and not answered in time is not sent again by the SDK's retry (it
 *   may still be in progress on the server: an AssumeRole answered late would be made twice);
 *   a connection that could not be opened is retried as the SDK decides.
 * - A kept-alive connection left idle for `idleSocketMs` (2 s unless given) is closed by us, before
 *   any common server's idle timeout (5 s for Node's http.Server, Apache and others) can close it.
 *   A server closing an idle connection just as a request is sent on it drops that request unread
 *   and resets the connection; that request could not be sent again safely, since the client
 *   cannot tell it from one the server read and then failed on. So no request goes out on a
 *   connection that idled long enough for the server to be closing it.
 */
import { Transform } from "node:stream";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { HttpHandlerOptions } from "@smithy/types";
import type { HttpRequest, HttpResponse } from "@smithy/protocol-http";
import { tooLargeError } from "../byte-cap.js";
import { EksTokenError } from "../errors.js";
import { shorten } from "../quote.js";

/** What to check when an endpoint answers with more than any AWS answer holds. */
const TOO_LARGE_HINT =
  "that endpoint is not answering as AWS does; check where AWS_ENDPOINT_URL*, AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_CONTAINER_CREDENTIALS_* or the profile point, and any proxy";

export interface BoundedHandlerOptions {
  /** The largest body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /**
   * From sending the request to the last byte of the answer; read when each request starts, so
   * a getter can hand over what is left of a larger bound.
   */
  readonly requestTimeoutMs: number | (() => number);
  /** For opening the connection (TCP and TLS); 3 s unless given. */
  readonly connectionTimeoutMs?: number;
  /** How long a kept-alive connection may stay idle before it is closed; 2 s unless given. */
  readonly idleSocketMs?: number;
}

/** Below the shortest idle timeout common servers use (5 s). */
const IDLE_SOCKET_MS = 2_000;

/** The caps this project uses: credential endpoints answer a few kB, EKS a few hundred. */
export const CREDENTIALS_MAX_BODY_BYTES = 256 * 1024;
export const EKS_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** An error the SDK passes on as it is: no retry, no text added to its message. */
function final(error: EksTokenError): EksTokenError {
  // `$metadata` marks an error as the service's answer: the SDK's deserializer then leaves the
  // message alone, and with no status and no transient name or code, its retry gives up.
  Object.defineProperty(error, "$metadata", { value: {}, enumerable: false });
  return error;
}

function answerTooLarge(host: string, maxBodyBytes: number): EksTokenError {
  return final(tooLargeError(`the answer from ${shorten(host)}`, maxBodyBytes, TOO_LARGE_HINT));
}

function lateError(host: string, timeoutMs: number): EksTokenError {
  return final(
    new EksTokenError(
      "timeout",
      `${shorten(host)} did not answer within ${Math.round(timeoutMs / 100) / 10} s`,
      "check the network path to it (proxy, VPC endpoint, firewall) and try again",
    ),
  );
}

/** The SDK's Node handler with a body cap and an end-to-end bound (see the module's comment). */
export class BoundedRequestHandler extends NodeHttpHandler {
  readonly #maxBodyBytes: number;
  readonly #timeoutMs: () => number;

  constructor(options: BoundedHandlerOptions) {
    const { maxBodyBytes, requestTimeoutMs } = options;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new RangeError("maxBodyBytes must be > 0");
    const idleSocketMs = options.idleSocketMs ?? IDLE_SOCKET_MS;
    if (!Number.isInteger(idleSocketMs) || idleSocketMs <= 0) throw new RangeError("idleSocketMs must be > 0");
    // An agent's `timeout` closes its free (idle) sockets; a socket in use is bounded by handle() below.
    super({
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      httpAgent: { timeout: idleSocketMs },
      httpsAgent: { timeout: idleSocketMs },
    });
    this.#maxBodyBytes = maxBodyBytes;
    this.#timeoutMs = typeof requestTimeoutMs === "function" ? requestTimeoutMs : () => requestTimeoutMs;
  }

  override async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    // As a person would write it: the port too when there is one.
    const host = `${request.hostname ?? ""}${request.port ? `:${request.port}` : ""}`;
    const timeoutMs = Math.max(1, this.#timeoutMs());
    const controller = new AbortController();
    const outer = options.abortSignal as AbortSignal | undefined;
    const onOuterAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener?.("abort", onOuterAbort, { once: true });
    let late = false;
    let body: Transform | undefined;
    const timer = setTimeout(() => {
      late = true;
      if (body) body.destroy(lateError(host, timeoutMs));
      else controller.abort();
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      outer?.removeEventListener?.("abort", onOuterAbort);
    };
    let result: { response: HttpResponse };
    try {
      // The inner handler's own request timeout is off: the timer above bounds the whole exchange.
      result = await super.handle(request, { abortSignal: controller.signal });
    } catch (e) {
      done();
      if (late) throw lateError(host, timeoutMs);
      throw e;
    }
    const { response } = result;
    const raw = response.body as NodeJS.ReadableStream & { destroy(error?: Error): void };
    const max = this.#maxBodyBytes;
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > max) {
      done();
      raw.destroy();
      throw answerTooLarge(host, max);
    }
    let size = 0;
    body = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > max) callback(answerTooLarge(host, max));
        else callback(null, chunk);
      },
    });
    const counted = body;
    // Whatever ends the counted stream (the end, the cap, the timer, the reader giving up) ends the socket too.
    counted.once("close", () => {
      done();
      if (!counted.writableFinished) raw.destroy();
    });
    raw.once("error", (e: Error) => counted.destroy(late ? lateError(host, timeoutMs) : e));
    raw.pipe(counted);
    response.body = counted;
    return { response };
  }
}

export function boundedRequestHandler(options: BoundedHandlerOptions): BoundedRequestHandler {
  return new BoundedRequestHandler(options);
}
