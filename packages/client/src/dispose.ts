// The well-known symbols of explicit resource management (`using`), typed
// here so that neither this package nor its users need TypeScript's
// `esnext.disposable` lib (the declarations merge with it where present, as
// @types/node's do).
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
    readonly asyncDispose: unique symbol;
  }
}

/**
 * `Symbol.dispose`, or, on runtimes without it (Safari, older browsers),
 * the registered `Symbol.for("Symbol.dispose")` that polyfills share, so
 * that the method exists under a key instead of under `"undefined"`.
 */
export const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);

/** `Symbol.asyncDispose`, or `Symbol.for("Symbol.asyncDispose")` (see {@link disposeSymbol}). */
export const asyncDisposeSymbol: typeof Symbol.asyncDispose = Symbol.asyncDispose ?? (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);
