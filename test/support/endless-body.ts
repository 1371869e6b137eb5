// An answer whose body never ends (chunked, no Content-Length): what a broken or hostile endpoint
// sends to grow a client's memory. Writes as fast as the client reads, until the client closes
// the connection or the server closes. The bytes sent are counted, to show the client stopped.
import type { ServerResponse } from "node:http";

const CHUNK = Buffer.alloc(64 * 1024, "A");

export interface EndlessBodyOptions {
  readonly status?: number;
  readonly contentType?: string;
  /** Declare this Content-Length (a lie, or a real huge size) instead of sending chunked. */
  readonly contentLength?: number;
  /** Called with the bytes written once the connection ends. */
  readonly onEnd?: (bytesSent: number) => void;
}

export function sendEndlessBody(res: ServerResponse, options: EndlessBodyOptions = {}): void {
  res.writeHead(options.status ?? 200, {
    "content-type": options.contentType ?? "application/json",
    ...(options.contentLength !== undefined ? { "content-length": options.contentLength } : {}),
  });
  let sent = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    options.onEnd?.(sent);
  };
  res.on("close", end);
  res.socket?.on("close", end);
  const pump = (): void => {
    while (!ended && !res.destroyed) {
      sent += CHUNK.length;
      if (!res.write(CHUNK)) {
        res.once("drain", pump);
        return;
      }
    }
  };
  // A JSON or XML start, so a client that parses as it goes sees a plausible document.
  res.write(options.contentType?.includes("xml") ? "<x>" : '{"x":"');
  pump();
}
