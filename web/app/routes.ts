// Every page of the dashboard: adding one is a file in pages/ and a line here. Pages load on first visit (their
// own chunk), so the first screen does not wait for code it does not show.
import { lazyPage as page, type RouteDef } from '../shared/routes.js';
import ChangePassword from './pages/change-password.js';

export type { RouteDef } from '../shared/routes.js';

/** Pages that work signed out; they render without the navigation. */
export const PUBLIC_ROUTES: RouteDef[] = [
  { path: '/login', page: page(() => import('./pages/login.js')), title: 'Sign in' },
  { path: '/setup', page: page(() => import('./pages/setup.js')), title: 'Set up your account' },
];

export const ROUTES: RouteDef[] = [
  { path: '/offers', page: page(() => import('./pages/offers.js')), nav: 'Offers' },
  { path: '/offers/new', page: page(() => import('./pages/offer-wizard.js')), title: 'New offer' },
  { path: '/offers/:id', page: page(() => import('./pages/offer-detail.js')), title: 'Offer' },
  { path: '/offers/:id/edit', page: page(() => import('./pages/offer-wizard.js')), title: 'Edit offer' },
  { path: '/members', page: page(() => import('./pages/members.js')), nav: 'Members' },
  { path: '/members/:id', page: page(() => import('./pages/member-profile.js')), title: 'Member' },
  { path: '/reports', page: page(() => import('./pages/reports.js')), nav: 'Reports' },
  { path: '/conversions', page: page(() => import('./pages/conversions.js')), nav: 'Conversions' },
  { path: '/payouts', page: page(() => import('./pages/payouts.js')), nav: 'Payouts' },
  { path: '/alerts', page: page(() => import('./pages/alerts.js')), nav: 'Alerts' },
  { path: '/emails', page: page(() => import('./pages/emails.js')), nav: 'Emails' },
  { path: '/settings', page: page(() => import('./settings/tracking.js')), nav: 'Settings', title: 'Tracking setup' },
  { path: '/settings/workspace', page: page(() => import('./settings/workspace.js')), title: 'Workspace settings' },
  { path: '/settings/team', page: page(() => import('./settings/team.js')), title: 'Team' },
  { path: '/settings/api-keys', page: page(() => import('./settings/api-keys.js')), title: 'API keys' },
  { path: '/settings/webhooks', page: page(() => import('./settings/webhooks.js')), title: 'Outgoing webhooks' },
  // Also the forced first-sign-in screen, so it is part of the first chunk.
  { path: '/account/password', page: ChangePassword, title: 'Change password' },
  // Not in the navigation: reached from Get started on the Offers page.
  { path: '/tracking-check', page: page(() => import('./pages/tracking-check.js')), title: 'Tracking check' },
];
