/**
 * The browser's way back in an authorization-code sign-in: an HTTP listener on 127.0.0.1 only, on
 * a port the system picks, answering `GET /oauth/callback` alone (anything else: 404). A callback
 * counts when its `state` matches (compared in constant time), its Host is this listener and it
 * carries no Origin header (a browser's navigation sends none; a script on another page would).
 * The first one that counts wins: it gets a page saying the tab can be closed, and the listener
 * closes. Others are answered and reported as ignored, and the wait goes on.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { sameState } from "./pkce.js";

export const CALLBACK_PATH = "/oauth/callback";

export type CallbackResult =
  | { readonly code: string }
  /** The sign-in page sent the person back with an error (access_denied when they declined). */
  | { readonly error: string; readonly description: string | undefined };

export interface CallbackListener {
  /** http://127.0.0.1:PORT/oauth/callback */
  readonly redirectUri: string;
  /** The first callback that counts. */
  readonly result: Promise<CallbackResult>;
  /** Stops listening and drops every connection; safe to call more than once. */
  close(): Promise<void>;
}

export interface ListenOptions {
  readonly state: string;
  /** Called for each request that was answered but did not count, with why (no secret in it). */
  readonly onIgnored: (why: string) => void;
}

const PAGE_STYLE = "font-family:system-ui,sans-serif;margin:4em auto;max-width:36em;line-height:1.5";

function page(title: string, text: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="${PAGE_STYLE}"><h1>${title}</h1><p>${text}</p></body></html>`;
}

export function listenForCallback(options: ListenOptions): Promise<CallbackListener> {
  let settle: (r: CallbackResult) => void = () => {};
  const result = new Promise<CallbackResult>((resolve) => {
    settle = resolve;
  });
  let done = false;
  let port = 0;
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      connection: "close",
    });
    res.end(body);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method !== "GET" || url.pathname !== CALLBACK_PATH) {
      send(res, 404, page("Not found", "This address only takes the sign-in's callback."));
      return;
    }
    if (done) {
      send(res, 410, page("Already signed in", "This sign-in has finished. You can close this tab."));
      return;
    }
    if (req.headers.host !== `127.0.0.1:${port}`) {
      options.onIgnored("a callback for another host name");
      send(res, 400, page("Not accepted", "This request was not sent to the sign-in's own address."));
      return;
    }
    if (req.headers.origin !== undefined) {
      options.onIgnored("a callback sent by a script from another page");
      send(res, 403, page("Not accepted", "This request did not come from the sign-in page."));
      return;
    }
    const state = url.searchParams.get("state");
    if (state === null || !sameState(state, options.state)) {
      options.onIgnored("a callback whose state did not match");
      send(res, 400, page("Not accepted", "This callback does not belong to the sign-in that is waiting."));
      return;
    }
    const error = url.searchParams.get("error");
    const code = url.searchParams.get("code");
    if (error !== null || !code) {
      done = true;
      res.once("finish", () => void close());
      send(res, 200, page("Sign-in not completed", "eks-token did not get a sign-in. You can close this tab."));
      settle({ error: error ?? "no_code", description: url.searchParams.get("error_description") ?? undefined });
      return;
    }
    done = true;
    // The listener closes once the page has gone out.
    res.once("finish", () => void close());
    send(res, 200, page("Signed in", "eks-token has what it needs. You can close this tab."));
    settle({ code });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections?.();
    });
    return closing;
  };

  return new Promise<CallbackListener>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      port = (server.address() as AddressInfo).port;
      resolve({ redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`, result, close });
    });
  });
}
