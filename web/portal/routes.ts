// Every page of the creator portal: a file in pages/ and a line here. Pages load on first visit (their own chunk).
import { lazyPage as page, type RouteDef } from '../shared/routes.js';

export type { RouteDef } from '../shared/routes.js';

/** Works signed out; drawn without the navigation. */
export const LOGIN: RouteDef = {
  path: '/login',
  page: page(() => import('./pages/login.js')),
  title: 'Sign in',
};

export const ROUTES: RouteDef[] = [
  { path: '/', page: page(() => import('./pages/home.js')), nav: 'My offers' },
  { path: '/performance', page: page(() => import('./pages/performance.js')), nav: 'Performance' },
  { path: '/commissions', page: page(() => import('./pages/commissions.js')), nav: 'Commissions' },
  { path: '/payouts', page: page(() => import('./pages/payouts.js')), nav: 'Payouts' },
];
