import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { listenForCallback } from "../../../src/usecases/login/callback-listener.js";

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers["content-type"]) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the loopback callback listener", () => {
  it("listens on 127.0.0.1 only, answers only GET /oauth/callback, ignores wrong states, and the first valid one wins", async () => {
    const ignored: string[] = [];
    const listener = await listenForCallback({ state: "the-state", onIgnored: (why) => ignored.push(why) });
    const base = listener.redirectUri;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
    const port = new URL(base).port;
    // Not on other addresses of this machine.
    await expect(get(`http://[::1]:${port}/oauth/callback`)).rejects.toThrow();
    expect((await get(`http://127.0.0.1:${port}/favicon.ico`)).status).toBe(404);
    expect((await get(`${base}?code=c1&state=wrong`)).status).toBe(400);
    expect((await get(`${base}?code=c1`)).status).toBe(400);
    expect((await get(`${base}?code=c1&state=the-state`, { origin: "https://evil.example" })).status).toBe(403);
    expect((await get(`${base}?code=c1&state=the-state`, { host: `localhost:${port}` })).status).toBe(400);
    expect(ignored).toEqual([
      "a callback whose state did not match",
      "a callback whose state did not match",
      "a callback sent by a script from another page",
      "a callback for another host name",
    ]);
    const won = await get(`${base}?code=the-code&state=the-state`);
    expect(won.status).toBe(200);
    expect(won.type).toMatch(/^text\/html/);
    expect(won.body).toContain("You can close this tab.");
    expect(await listener.result).toEqual({ code: "the-code" });
    // Then it closes.
    for (let i = 0; i < 50; i++) {
      const closed = await get(`${base}?code=x&state=the-state`).then(
        () => false,
        () => true,
      );
      if (closed) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await expect(get(`${base}?code=x&state=the-state`)).rejects.toThrow(/ECONNREFUSED/);
    await listener.close();
  });

  it("reports an error sent back by the sign-in page", async () => {
    const listener = await listenForCallback({ state: "s", onIgnored: () => {} });
    await get(`${listener.redirectUri}?error=access_denied&state=s`);
    expect(await listener.result).toEqual({ error: "access_denied", description: undefined });
    await listener.close();
  });
});
