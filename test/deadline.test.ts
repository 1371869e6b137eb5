// The one deadline type on a fake clock: what is left, a race against the work, and time paused
// while a person answers a prompt.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startDeadline } from "../src/deadline.js";

let clock = 0;
const now = () => clock;
/** Moves the fake clock and fires the timers that fall due. */
async function advance(ms: number): Promise<void> {
  clock += ms;
  await vi.advanceTimersByTimeAsync(ms);
}
const timeout = () => new Error("timed out");

beforeEach(() => {
  vi.useFakeTimers();
  clock = 1_000;
});
afterEach(() => vi.useRealTimers());

describe("startDeadline", () => {
  it("counts down and stops at 0", async () => {
    const d = startDeadline(15_000, now);
    expect(d.remainingMs()).toBe(15_000);
    await advance(12_000);
    expect(d.remainingMs()).toBe(3_000);
    await advance(5_000);
    expect(d.remainingMs()).toBe(0);
  });

  it("race: the work's value when it comes first, the timeout's error when the deadline does", async () => {
    const d = startDeadline(1_000, now);
    await expect(d.race(Promise.resolve("done"), timeout)).resolves.toBe("done");
    const hung = d.race(new Promise(() => {}), timeout);
    const outcome = hung.catch((e: Error) => e.message);
    await advance(999);
    await advance(1);
    await expect(outcome).resolves.toBe("timed out");
  });

  it("race on a deadline already passed fails at once", async () => {
    const d = startDeadline(0, now);
    await expect(d.race(new Promise(() => {}), timeout)).rejects.toThrow("timed out");
  });

  it("paused: time spent inside does not count, and a race waits for the pause to end", async () => {
    const d = startDeadline(1_000, now);
    let settled = "";
    void d.race(new Promise(() => {}), timeout).catch(() => {
      settled = "timed out";
    });
    await advance(400);
    const prompt = d.paused(async () => {
      await advance(60_000); // a person takes a minute to type
      return "123456";
    });
    await expect(prompt).resolves.toBe("123456");
    expect(settled).toBe("");
    expect(d.remainingMs()).toBe(600);
    await advance(599);
    expect(settled).toBe("");
    await advance(1);
    expect(settled).toBe("timed out");
  });

  it("a rejected work settles the race with its own error", async () => {
    const d = startDeadline(1_000, now);
    await expect(d.race(Promise.reject(new Error("refused")), timeout)).rejects.toThrow("refused");
  });
});
