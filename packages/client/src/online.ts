/**
 * Waits until the browser says it is online again, when it says it is
 * offline; calls `then` at once otherwise (Node, or a browser online).
 * Returns a function that cancels the wait.
 *
 * Why: while `navigator.onLine` is false, reconnect attempts cannot succeed;
 * spending the attempt budget on them would give up exactly when the
 * network comes back. The `online` event is the moment to try.
 */
export function whenOnline(then: () => void): { waiting: boolean; cancel(): void } {
  const scope = globalThis as {
    navigator?: { onLine?: boolean };
    addEventListener?: (type: string, listener: () => void) => void;
    removeEventListener?: (type: string, listener: () => void) => void;
  };
  if (scope.navigator?.onLine !== false || typeof scope.addEventListener !== "function") {
    then();
    return { waiting: false, cancel: () => undefined };
  }
  const listener = () => {
    scope.removeEventListener?.("online", listener);
    then();
  };
  scope.addEventListener("online", listener);
  return { waiting: true, cancel: () => scope.removeEventListener?.("online", listener) };
}
