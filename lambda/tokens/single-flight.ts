// In-process single flight: concurrent callers for one key in a container share one promise.

/**
 * Merges concurrent calls per key: the first caller runs `work`, later callers get its promise until
 * it settles (Nango's in-process merge before the cross-process lease).
 * @example const flight = singleFlight<AccessToken>(); await flight('acct#src', () => refresh())
 */
export function singleFlight<T>(): (key: string, work: () => Promise<T>) => Promise<T> {
  const inFlight = new Map<string, Promise<T>>();
  return (key, work) => {
    const running = inFlight.get(key);
    if (running) return running;
    const promise = work().finally(() => inFlight.delete(key));
    inFlight.set(key, promise);
    return promise;
  };
}
