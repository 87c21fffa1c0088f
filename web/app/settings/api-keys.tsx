// Settings section, being built: see issue #16.
import { SettingsPage } from './settings-nav.js';

export default function Section() {
  return <SettingsPage subtitle="Coming in this change.">{null}</SettingsPage>;
}
