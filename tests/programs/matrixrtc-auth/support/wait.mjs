// Polling helpers: tests wait for recorded requests instead of sleeping.
//   waitFor(predicate, timeoutMs)  resolves with the first truthy value of
//                                  predicate() (may be async), else throws.
//   holdsFor(predicate, ms)        checks that predicate() stays truthy for
//                                  ms (a bounded "nothing happens" check).
export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(predicate, timeoutMs = 5000, { interval = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(interval);
  }
}

export async function holdsFor(predicate, ms, { interval = 20, what = 'condition' } = {}) {
  if (ms > 2000) throw new Error('"nothing happens" checks are kept at 2 s at most');
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await predicate())) throw new Error(`${what} stopped holding`);
    if (Date.now() >= deadline) return;
    await delay(interval);
  }
}
