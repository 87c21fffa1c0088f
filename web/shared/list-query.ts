// A server-paged list's search, sort and page kept in the address: reload keeps them, and back returns to the page
// and order seen before (the search box replaces the entry as it is typed, so back does not replay each letter).
import { useMemo } from 'react';
import { navigate, useLocation } from './router.js';

export const PAGE_SIZES = [25, 50, 100] as const;

export interface ListQuery<S extends string> {
  q: string;
  sort: S;
  order: 'asc' | 'desc';
  page: number;
  size: number;
}

export function useListQuery<S extends string>(
  sorts: readonly S[],
  defaults: { sort: S; order: (sort: S) => 'asc' | 'desc' },
): [ListQuery<S>, (patch: Partial<ListQuery<S>>, opts?: { replace?: boolean }) => void] {
  const { query, path } = useLocation();
  const raw = query.toString();
  const state = useMemo(() => {
    const p = new URLSearchParams(raw);
    const sort = (sorts as readonly string[]).includes(p.get('sort') ?? '') ? (p.get('sort') as S) : defaults.sort;
    const order = p.get('order') === 'asc' || p.get('order') === 'desc' ? (p.get('order') as 'asc' | 'desc') : null;
    const size = Number(p.get('size'));
    const page = Math.floor(Number(p.get('page')));
    return {
      q: p.get('q') ?? '',
      sort,
      order: order ?? defaults.order(sort),
      page: page >= 1 ? page : 1,
      size: (PAGE_SIZES as readonly number[]).includes(size) ? size : 25,
    };
    // The defaults are constants of the page that calls this.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [raw]);
  const set = useMemo(
    () =>
      (patch: Partial<ListQuery<S>>, opts: { replace?: boolean } = {}) => {
        const p = new URLSearchParams(window.location.search);
        for (const [k, v] of Object.entries(patch)) {
          const keep = v !== '' && v !== undefined && !(k === 'page' && v === 1);
          if (keep) p.set(k, String(v));
          else p.delete(k);
        }
        const s = p.toString();
        const scroll = window.scrollY;
        navigate(`${path}${s ? `?${s}` : ''}`, { replace: opts.replace });
        // navigate() scrolls to the top for a new entry; a list's own controls keep the reader where they are.
        if (!opts.replace) window.scrollTo(0, scroll);
      },
    [path],
  );
  return [state, set];
}

/** The aria-sort of a column heading. */
export function ariaSort<S extends string>(q: ListQuery<S>, key: S): 'ascending' | 'descending' | undefined {
  return q.sort === key ? (q.order === 'asc' ? 'ascending' : 'descending') : undefined;
}
