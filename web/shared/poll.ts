// Data that updates itself: loaded now, then again every few seconds while the tab is visible. A hidden tab asks
// nothing (a forgotten tab should not poll all night); coming back asks at once. One request at a time: the next
// waits for the previous answer, so a slow server is never asked twice at once.
import { useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
}

/**
 * `until`: once an answer satisfies it, polling stops (a finished checklist changes no more); `enabled` false asks
 * nothing at all.
 */
export function usePolled<T>(
  load: (signal: AbortSignal) => Promise<T>,
  everyMs: number,
  opts: { until?: (data: T) => boolean; enabled?: boolean } = {},
): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: null });
  const loadRef = useRef(load);
  loadRef.current = load;
  const untilRef = useRef(opts.until);
  untilRef.current = opts.until;
  const enabled = opts.enabled ?? true;
  useEffect(() => {
    if (!enabled) return;
    const ctl = new AbortController();
    let finished = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const visible = () => document.visibilityState === 'visible';
    const tick = async () => {
      if (running || finished || ctl.signal.aborted) return;
      clearTimeout(timer);
      running = true;
      try {
        const data = await loadRef.current(ctl.signal);
        if (!ctl.signal.aborted) setState({ data, error: null });
        finished = !!untilRef.current?.(data);
      } catch (error) {
        if (!ctl.signal.aborted) setState((s) => ({ ...s, error }));
      } finally {
        running = false;
      }
      if (!ctl.signal.aborted && !finished && visible()) timer = setTimeout(() => void tick(), everyMs);
    };
    const onVisibility = () => {
      if (visible()) void tick();
      else clearTimeout(timer);
    };
    document.addEventListener('visibilitychange', onVisibility);
    void tick();
    return () => {
      ctl.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [everyMs, enabled]);
  return state;
}
