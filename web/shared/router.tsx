// A small History-API router: the app's pages are a table of paths (app/routes.ts), so adding a page is one file
// plus one line. Links are real <a href> elements (open in a new tab works); a plain click navigates in place.
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useState,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';
import { stripBase } from './route-match.js';

const NAVIGATE = 'tp:navigate';
let base = '';

export interface Location {
  /** The path inside the app, without its base: "/offers/off_…". */
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: stripBase(base, window.location.pathname), query: new URLSearchParams(window.location.search) };
}

export function href(to: string): string {
  return to.startsWith('/') ? `${base}${to === '/' ? '/' : to}` : to;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = href(to);
  if (opts.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new Event(NAVIGATE));
  if (!opts.replace) window.scrollTo(0, 0);
}

const LocationContext = createContext<Location>({ path: '/', query: new URLSearchParams() });

export function Router({ basePath, children }: { basePath: string; children: ReactNode }) {
  base = basePath.replace(/\/$/, '');
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return <LocationContext.Provider value={location}>{children}</LocationContext.Provider>;
}

export function useLocation(): Location {
  return useContext(LocationContext);
}

/** Reads and writes one query parameter (filters, search boxes) so that reload and back keep them. */
export function useQueryParam(name: string): [string, (value: string) => void] {
  const { query, path } = useLocation();
  const value = query.get(name) ?? '';
  const set = useMemo(
    () => (next: string) => {
      const q = new URLSearchParams(window.location.search);
      if (next) q.set(name, next);
      else q.delete(name);
      const s = q.toString();
      navigate(`${path}${s ? `?${s}` : ''}`, { replace: true });
    },
    [name, path],
  );
  return [value, set];
}

export function Link({ to, onClick, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={href(to)} onClick={click} {...rest} />;
}
