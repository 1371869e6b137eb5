/**
 * How a sync keeps to its budgets: a limit on calls in flight (overall and per key), a steady
 * rate (the SSO portal's calls per second), retries with growing waits when a service says it is
 * throttling, and a bound on every call. The clock is a port, so tests run without waiting.
 */
export interface Clock {
  /** Milliseconds, monotonic enough for pacing. */
  now(): number;
  /** Resolves after ms, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** At most `limit` tasks at once; the others wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Semaphores by key, made on first use: e.g. 2 calls at a time per account and region. */
export class KeyedSemaphores {
  private readonly byKey = new Map<string, Semaphore>();
  constructor(private readonly limit: number) {}
  for(key: string): Semaphore {
    let s = this.byKey.get(key);
    if (!s) {
      s = new Semaphore(this.limit);
      this.byKey.set(key, s);
    }
    return s;
  }
}

/** Calls spaced 1/perSecond apart, in the order they asked. */
export class RateLimiter {
  private next = 0;
  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
  ) {}

  async take(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await this.clock.sleep(at - now, signal);
  }
}

export interface RetryOptions {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  readonly isThrottle: (e: unknown) => boolean;
  /** Called once per throttled answer. */
  readonly onThrottle?: () => void;
}

/** Runs task again after a throttle, waiting base·2^n (capped) in between; other errors end it at once. */
export async function withBackoff<T>(task: () => Promise<T>, o: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (e) {
      if (!o.isThrottle(e)) throw e;
      o.onThrottle?.();
      if (attempt >= o.attempts) throw e;
      await o.clock.sleep(Math.min(o.maxMs, o.baseMs * 2 ** (attempt - 1)), o.signal);
    }
  }
}

/** A signal that aborts when the parent does or after ms, whichever is first; dispose() clears the timer. */
export function boundedSignal(parent: AbortSignal, ms: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new CallTimeout(ms)), ms);
  (timer as { unref?: () => void }).unref?.();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener("abort", onAbort);
    },
  };
}

/** The reason a call's own bound gives when it aborts the call. */
export class CallTimeout extends Error {
  override readonly name = "CallTimeout";
  constructor(readonly ms: number) {
    super(`no answer within ${ms / 1000} s`);
  }
}

/** The reason the run's bound gives. */
export class RunDeadline extends Error {
  override readonly name = "RunDeadline";
  constructor(readonly ms: number) {
    super(`the run's ${ms / 1000} s bound passed`);
  }
}
