// The portal's frame: the brand's name (creators know the brand, not Touchpoint), the member's own name, the pages
// and sign out. Below 900 px the navigation folds behind a menu button.
import { useEffect, useState, type ReactNode } from 'react';
import { NavLinks } from '../shared/nav.js';
import { Link, navigate, useLocation } from '../shared/router.js';
import { ROUTES } from './routes.js';
import { useMe, useSession } from './session.js';

export function Layout({ children }: { children: ReactNode }) {
  const { member, workspace } = useMe();
  const { logout } = useSession();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const signOut = async () => {
    setSigningOut(true);
    await logout();
    navigate('/login', { replace: true });
  };
  return (
    <div className={menuOpen ? 'portal menu-open' : 'portal'}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="portal-bar">
        <div className="portal-bar-inner">
          <Link to="/" className="brand portal-brand" title={workspace.name}>
            {workspace.name}
          </Link>
          <span className="portal-kind">Creator portal</span>
          <button
            type="button"
            className="btn btn-ghost portal-menu-button"
            aria-expanded={menuOpen}
            aria-controls="portal-nav"
            onClick={() => setMenuOpen((o) => !o)}
          >
            <span aria-hidden="true">☰</span> Menu
          </button>
          <nav id="portal-nav" className="portal-nav" aria-label="Main">
            <NavLinks routes={ROUTES} exact />
            <div className="portal-account">
              <span className="portal-member" data-testid="member-name" title={member.name}>
                {member.name}
              </span>
              <button type="button" className="btn btn-small" onClick={signOut} disabled={signingOut}>
                Sign out
              </button>
            </div>
          </nav>
        </div>
      </header>
      <main id="main" className="portal-main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
