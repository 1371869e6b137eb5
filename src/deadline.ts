/**
 * A time bound shared by the steps of one call. Elapsed time is read from a monotonic clock (the
 * wall clock may move); time spent waiting for a person (an MFA code) can be left out with paused().
 */
export interface Deadline {
  /** Milliseconds left, 0 once it has passed. */
  remainingMs(): number;
  /** Runs fn with this deadline's clock stopped, then goes on where it was. */
  paused<T>(fn: () => Promise<T>): Promise<T>;
  /** The work's outcome, or onTimeout's error once the deadline passes first. */
  race<T>(work: Promise<T>, onTimeout: () => Error): Promise<T>;
}

export function startDeadline(ms: number, clock: () => number = () => performance.now()): Deadline {
  let endsAt = clock() + ms;
  let pausedAt: number | undefined;
  let pauses = 0;
  const rearms = new Set<() => void>();
  const remainingMs = () => Math.max(0, endsAt - (pausedAt ?? clock()));
  return {
    remainingMs,
    async paused(fn) {
      if (pauses++ === 0) pausedAt = clock();
      try {
        return await fn();
      } finally {
        if (--pauses === 0 && pausedAt !== undefined) {
          endsAt += clock() - pausedAt;
          pausedAt = undefined;
          for (const rearm of [...rearms]) rearm();
        }
      }
    },
    race(work, onTimeout) {
      return new Promise((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const settle = () => {
          clearTimeout(timer);
          rearms.delete(arm);
        };
        function arm(): void {
          clearTimeout(timer);
          if (pausedAt !== undefined) return; // paused() re-arms when it ends
          const left = remainingMs();
          if (left > 0) {
            timer = setTimeout(arm, left);
            return;
          }
          settle();
          reject(onTimeout());
        }
        rearms.add(arm);
        arm();
        work.then(
          (value) => {
            settle();
            resolve(value);
          },
          (e: unknown) => {
            settle();
            reject(e);
          },
        );
      });
    },
  };
}
