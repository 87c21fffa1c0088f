// The Settings pages share one header and a row of section links (each section is its own page and URL, so a link to
// "Settings → Team" can be sent and bookmarked).
import type { ReactNode } from 'react';
import { NavLinks } from '../../shared/nav.js';
import { PageHeader } from '../../shared/ui.js';
import { SETTINGS_ROUTES } from '../routes.js';

export function SettingsPage({ subtitle, children }: { subtitle: ReactNode; children: ReactNode }) {
  return (
    <>
      <PageHeader title="Settings" subtitle={subtitle} />
      <nav className="settings-nav" aria-label="Settings sections">
        <NavLinks routes={SETTINGS_ROUTES} exact />
      </nav>
      {children}
    </>
  );
}
