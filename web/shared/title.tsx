// The browser tab's title: the page's name, then the surface's ("Reports · Touchpoint"). The shell names every page
// from its route table (a route's `title`, else its `nav` label); a page with a name of its own (an offer's) says it
// with usePageTitle, and the route's name comes back when that page goes.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { RouteDef } from './routes.js';

const OwnName = createContext<string | undefined>(undefined);
const SetOwnName = createContext<(name: string | undefined) => void>(() => {});

export function TitleProvider({ children }: { children: ReactNode }) {
  const [own, setOwn] = useState<string | undefined>();
  return (
    <SetOwnName.Provider value={setOwn}>
      <OwnName.Provider value={own}>{children}</OwnName.Provider>
    </SetOwnName.Provider>
  );
}

/** A route's name in the tab. */
export function routeTitle(route: RouteDef | undefined): string | undefined {
  return route?.title ?? route?.nav;
}

/** The shell's: the tab says the page's own name, else `name` (the route's), then the surface. */
export function useDocumentTitle(name: string | undefined, surface: string): void {
  const own = useContext(OwnName);
  const shown = own ?? name;
  useEffect(() => {
    document.title = shown ? `${shown} · ${surface}` : surface;
  }, [shown, surface]);
}

/** A page's own name for the tab (an offer's), once it is known; undefined keeps the route's. */
export function usePageTitle(name: string | undefined): void {
  const set = useContext(SetOwnName);
  useEffect(() => {
    set(name);
    return () => set(undefined);
  }, [name, set]);
}
