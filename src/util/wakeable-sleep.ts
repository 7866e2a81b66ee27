// A sleep for background loops that ends early when woken (new work, the database is back) or when the loop stops.

/**
 * Waits `ms`, or until the `wake` function handed to `expose` is called, or until `signal` aborts. `expose` receives
 * the wake function when the sleep starts and null once it is over, so a loop can keep it in a field.
 */
export function wakeableSleep(ms: number, signal: AbortSignal, expose: (wake: (() => void) | null) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      expose(null);
      resolve();
    };
    const timer = setTimeout(done, ms);
    expose(done);
    signal.addEventListener('abort', done, { once: true });
  });
}
