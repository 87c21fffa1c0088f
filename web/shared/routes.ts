// The shape of a surface's route table (web/app/routes.ts, web/portal/routes.ts): a path, its page, and a label when
// the page is in the navigation.
import { lazy, type ComponentType } from 'react';
import type { Params } from './route-match.js';

export interface PageProps {
  params: Params;
}

export interface RouteDef {
  path: string;
  page: ComponentType<PageProps>;
  /** Shown in the navigation when set (in this order). */
  nav?: string;
}

/** A page that loads on first visit (its own chunk), so the first screen does not wait for code it does not show. */
export const lazyPage = (load: () => Promise<{ default: ComponentType<PageProps> }>) => lazy(load);
