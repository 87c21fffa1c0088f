// Tracking-link slugs: random (unguessable base62) or vanity (chosen by the brand).
import { randomBase62 } from './ids.js';

export const RANDOM_SLUG_LENGTH = 8;

/** Paths the tracking host answers itself; a vanity slug can never shadow them. */
export const RESERVED_SLUGS = new Set([
  'api',
  'app',
  'p',
  'px',
  'collect',
  'postback',
  'aff_lsr',
  'webhooks',
  'healthz',
  'readyz',
  'metrics',
  'static',
  'assets',
  'favicon',
  'robots',
  'login',
  'logout',
  'admin',
  'docs',
  'openapi',
  'sitemap',
  'well-known',
  'touchpoint',
  'track',
  'click',
  'pixel',
  'portal',
  'auth',
  'signup',
  'signin',
]);

export function randomSlug(): string {
  return randomBase62(RANDOM_SLUG_LENGTH);
}

export type SlugProblem = 'slug_too_short' | 'slug_too_long' | 'slug_invalid_characters' | 'slug_reserved';

export function checkVanitySlug(slug: string): SlugProblem | null {
  if (slug.length < 3) return 'slug_too_short';
  if (slug.length > 64) return 'slug_too_long';
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(slug)) return 'slug_invalid_characters';
  if (RESERVED_SLUGS.has(slug.toLowerCase())) return 'slug_reserved';
  return null;
}
