// The Settings pages share one header and a row of section links (each section is its own page and URL, so a link to
// "Settings → Team" can be sent and bookmarked).
import type { ReactNode } from 'react';
import { NavLinks } from '../../shared/nav.js';
import { PageHeader } from '../../shared/ui.js';

/** The sections, in the order of their tabs; each is also a page in routes.ts. */
const SECTIONS = [
  { path: '/settings', nav: 'Tracking setup' },
  { path: '/settings/workspace', nav: 'Workspace' },
  { path: '/settings/team', nav: 'Team' },
  { path: '/settings/api-keys', nav: 'API keys' },
  { path: '/settings/webhooks', nav: 'Outgoing webhooks' },
];

export function SettingsPage({ subtitle, children }: { subtitle: ReactNode; children: ReactNode }) {
  return (
    <>
      <PageHeader title="Settings" subtitle={subtitle} />
      <nav className="settings-nav" aria-label="Settings sections">
        <NavLinks routes={SECTIONS} exact />
      </nav>
      {children}
    </>
  );
}
