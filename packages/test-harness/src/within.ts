/**
 * How long a harness wait lasts by default, in ms: well inside the
 * packages' test timeouts (15 s and more), so a wait that never ends fails
 * with its label before the test runner's bare timeout does.
 */
export const DEFAULT_DEADLINE = 5_000;

// Captured when the harness loads, before any test fakes timers: a deadline
// must run on real time, or a test that fakes timers would wait forever.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/**
 * Resolves as `promise` does, or rejects after `ms` with an error naming
 * `label` and, if given, what `seen()` returns then (the frames or events
 * observed so far), so a stuck wait explains itself. A string from `seen` is
 * shown as it is (it may span lines); anything else as JSON.
 *
 * @example
 * ```ts
 * await within("bob's UserConnected", bob.next("UserConnected"), 2_000, () => bob.received);
 * ```
 */
export function within<T>(label: string, promise: Promise<T>, ms: number = DEFAULT_DEADLINE, seen?: () => unknown): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => {
      const so = seen ? `; seen so far: ${describe(seen())}` : "";
      reject(new Error(`${label}: nothing within ${ms} ms${so}`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => realClearTimeout(timer));
}

function describe(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  // Long SDPs would bury the point; the start says what arrived.
  return text.length > 8000 ? `${text.slice(0, 8000)}…` : text;
}
