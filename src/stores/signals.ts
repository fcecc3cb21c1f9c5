/**
 * A signal that aborts once every one of `signals` has (work shared by several callers stops only when
 * none of them waits any more); `undefined` when some caller has no signal, so it never aborts.
 */
export function untilAllAbort(signals: readonly (AbortSignal | undefined)[]): AbortSignal | undefined {
  if (signals.length === 1) return signals[0];
  if (signals.some((s) => s === undefined)) return undefined;
  const controller = new AbortController();
  let waiting = signals.length;
  for (const signal of signals as AbortSignal[]) {
    const abort = () => {
      if (--waiting === 0) controller.abort(signal.reason);
    };
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
  }
  return controller.signal;
}
