// Pages of a server-paged list: "21–40 of 500", previous / next, the page size.
import { formatNumber } from './format.js';
import { PAGE_SIZES } from './list-query.js';

export function Pager({
  page,
  size,
  total,
  offset,
  shown,
  label,
  onPage,
  onSize,
}: {
  page: number;
  size: number;
  total: number;
  /** Where the rows on screen start and how many there are: the range describes what is shown, not what is asked. */
  offset: number;
  shown: number;
  /** What the list holds, for screen readers: "Members". */
  label: string;
  onPage: (page: number) => void;
  onSize: (size: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(total / size));
  const first = shown ? offset + 1 : 0;
  const last = offset + shown;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <span className="pager-range" aria-live="polite">
        {formatNumber(first)}–{formatNumber(last)} of {formatNumber(total)}
      </span>
      <span className="pager-buttons">
        <button type="button" className="btn" disabled={page <= 1} onClick={() => onPage(page - 1)}>
          ← Previous
        </button>
        <span className="muted small">
          Page {formatNumber(Math.min(page, pages))} of {formatNumber(pages)}
        </span>
        <button type="button" className="btn" disabled={page >= pages} onClick={() => onPage(page + 1)}>
          Next →
        </button>
      </span>
      <label className="pager-size small">
        Per page{' '}
        <select value={size} onChange={(e) => onSize(Number(e.target.value))}>
          {PAGE_SIZES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}
