// A progress bar for long CLI runs (touchpoint generate). On a terminal it is one line redrawn in place; anywhere
// else (CI logs, a file) redrawing would leave thousands of lines, so it prints a plain line every few seconds.
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressState {
  phase: string;
  done: number;
  total: number;
  elapsedMs: number;
}

export interface Progress {
  /** Reports progress of `phase`; a new phase name ends the previous one. */
  update(phase: string, done: number, total: number): void;
  /** Ends the current phase with its final line. */
  end(): void;
}

const BAR_WIDTH = 24;
const TTY_REDRAW_MS = 100;
const LOG_EVERY_MS = 5_000;

const count = new Intl.NumberFormat('en-US');

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '-/s';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M/s`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(1)}k/s`;
  return `${Math.round(perSecond)}/s`;
}

/** "clicks [██████░░░░] 1,200/10,000  12.0%  8.1k/s  ETA 1m05s"; the bar only where it is redrawn. */
export function formatProgress(s: ProgressState, opts: { bar: boolean; final?: boolean }): string {
  const ratio = s.total > 0 ? Math.min(1, s.done / s.total) : 1;
  const rate = s.elapsedMs > 0 ? (s.done * 1000) / s.elapsedMs : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = opts.bar ? ` [${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]` : '';
  const eta = opts.final
    ? `in ${formatDuration(s.elapsedMs)}`
    : `ETA ${rate > 0 ? formatDuration(((s.total - s.done) / rate) * 1000) : '--'}`;
  return `${s.phase}${bar} ${count.format(s.done)}/${count.format(s.total)}  ${(ratio * 100).toFixed(1)}%  ${formatRate(rate)}  ${eta}`;
}

export function createProgress(stream: ProgressStream, clock: () => number = Date.now): Progress {
  const tty = stream.isTTY === true;
  let current: { phase: string; done: number; total: number; startedAt: number; shownAt: number } | null = null;
  const state = () => ({
    phase: current!.phase,
    done: current!.done,
    total: current!.total,
    elapsedMs: clock() - current!.startedAt,
  });
  const draw = (final: boolean) => {
    const line = formatProgress(state(), { bar: tty, final });
    if (tty) {
      // Cropped to the terminal so the line never wraps (a wrapped line cannot be redrawn with \r).
      const width = stream.columns && stream.columns > 20 ? stream.columns - 1 : line.length;
      stream.write(`\r${line.slice(0, width)}\x1b[K${final ? '\n' : ''}`);
    } else {
      stream.write(`${line}\n`);
    }
    current!.shownAt = clock();
  };
  const end = () => {
    if (!current) return;
    draw(true);
    current = null;
  };
  return {
    update(phase, done, total) {
      if (current && current.phase !== phase) end();
      if (!current) {
        const now = clock();
        current = { phase, done, total, startedAt: now, shownAt: tty ? Number.NEGATIVE_INFINITY : now };
      }
      current.done = done;
      current.total = total;
      if (clock() - current.shownAt >= (tty ? TTY_REDRAW_MS : LOG_EVERY_MS)) draw(false);
    },
    end,
  };
}
