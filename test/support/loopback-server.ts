// Starts a test server on an ephemeral port of 127.0.0.1 and gives back a close() that does not
// wait on clients: hung requests and keep-alive connections would otherwise hold server.close()
// open forever.
import type { Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";

export interface LoopbackListener {
  readonly port: number;
  /** Stops listening and destroys every open connection; resolves once the server has closed. */
  close(): Promise<void>;
}

export async function listenOnLoopback(server: HttpServer | HttpsServer): Promise<LoopbackListener> {
  // Every TCP connection, including ones that have not sent a full request (or finished a TLS
  // handshake) yet, which closeAllConnections() alone would miss.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      }),
  };
}
