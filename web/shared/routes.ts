// The shape of a surface's route table (web/app/routes.ts, web/portal/routes.ts): a path, its page, and a label when
// the page is in the navigation.
import { createElement, lazy, useEffect, useState, type ComponentType } from 'react';
import type { Params } from './route-match.js';

export interface PageProps {
  params: Params;
}

export interface RouteDef {
  path: string;
  page: Page;
  /** Shown in the navigation when set (in this order). */
  nav?: string;
  /** The page's name in the browser tab when it is not its `nav` label (web/shared/title.tsx). */
  title?: string;
}

/** A page component that can start loading its code before it is drawn. */
export type Page = ComponentType<PageProps> & { preload?: () => Promise<unknown>; isLoaded?: () => boolean };

/**
 * A page that loads on first visit (its own chunk), so the first screen does not wait for code it does not show.
 * `preload` fetches the chunk early (the shell calls it while it asks the server who is signed in); once loaded the
 * page is drawn directly. That matters beyond the fetch: React holds back content that suspended behind a fallback
 * for up to 300 ms (its fallback throttle), which was a third of the Reports page's load on a fresh visit.
 */
export function lazyPage(load: () => Promise<{ default: ComponentType<PageProps> }>): Page {
  let loaded: ComponentType<PageProps> | undefined;
  let loading: Promise<ComponentType<PageProps>> | undefined;
  const preload = () =>
    (loading ??= load().then(
      (m) => (loaded = m.default),
      (e: unknown) => {
        loading = undefined; // a failed fetch (offline, a new deployment) is tried again on the next visit
        throw e;
      },
    ));
  const Lazy = lazy(() => preload().then((component) => ({ default: component })));
  const LazyPage = (props: PageProps) => createElement(loaded ?? Lazy, props);
  return Object.assign(LazyPage, { preload, isLoaded: () => loaded !== undefined });
}

let drawnOnce = false;

/** Fetches every page's code when the browser is idle, so moving between pages never waits for it. */
export function preloadPages(routes: { page: Page }[]): () => void {
  const run = () => {
    for (const r of routes) void r.page.preload?.().catch(() => {});
  };
  const w = globalThis as {
    requestIdleCallback?: (f: () => void) => number;
    cancelIdleCallback?: (id: number) => void;
  };
  if (w.requestIdleCallback && w.cancelIdleCallback) {
    const id = w.requestIdleCallback(run);
    return () => w.cancelIdleCallback!(id);
  }
  const t = setTimeout(run, 1_000);
  return () => clearTimeout(t);
}

/**
 * Starts loading a page's code and tells whether it is there. The shell keeps its own loading screen until it is,
 * so the page never suspends behind a fallback on a first visit (see lazyPage). A failed fetch counts as there: the
 * page then suspends and fails as any lazy component does.
 */
export function usePageCode(page: Page | undefined): boolean {
  const [, settled] = useState(0);
  // Only the first page: later ones suspend inside the drawn navigation, which must not give way to a blank screen.
  const ready = drawnOnce || !page?.isLoaded || page.isLoaded();
  useEffect(() => {
    if (ready) drawnOnce = true;
  }, [ready]);
  useEffect(() => {
    if (ready || !page?.preload) return;
    let live = true;
    const done = () => live && settled((n) => n + 1);
    page.preload().then(done, done);
    return () => {
      live = false;
    };
  }, [page, ready]);
  return ready;
}
