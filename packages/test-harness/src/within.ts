/**
 * How long a harness wait lasts by default, in ms: well inside the
 * packages' test timeouts (15 s and more), so a wait that never ends fails
 * with its label before the test runner's bare timeout does.
 */
export const DEFAULT_DEADLINE = 5_000;

/**
 * Resolves as `promise` does, or rejects after `ms` with an error naming
 * `label` and, if given, what `seen()` returns then (the frames or events
 * observed so far), so a stuck wait explains itself.
 *
 * @example
 * ```ts
 * await within("bob's UserConnected", bob.next("UserConnected"), 2_000, () => bob.received);
 * ```
 */
export function within<T>(label: string, promise: Promise<T>, ms: number = DEFAULT_DEADLINE, seen?: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const so = seen ? `; seen so far: ${describe(seen())}` : "";
      reject(new Error(`${label}: nothing within ${ms} ms${so}`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    // Long SDPs would bury the point; the start says what arrived.
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  } catch {
    return String(value);
  }
}
