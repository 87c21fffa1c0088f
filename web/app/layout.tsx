// Navigation and account menu around every signed-in page. Below 900 px the navigation folds into a menu button.
import { useEffect, useState, type ReactNode } from 'react';
import { NavLinks } from '../shared/nav.js';
import { Link, navigate, useLocation } from '../shared/router.js';
import { useAuth, useMe } from './auth.js';
import { ROUTES } from './routes.js';

const ROLE_TEXT = { owner: 'Owner', manager: 'Manager', viewer: 'Viewer (read only)' } as const;

export function Layout({ children }: { children: ReactNode }) {
  const { user, workspace } = useMe();
  const { logout } = useAuth();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const signOut = async () => {
    await logout();
    navigate('/login', { replace: true });
  };
  return (
    <div className={menuOpen ? 'shell menu-open' : 'shell'}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="btn btn-ghost btn-icon menu-button"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen((o) => !o)}
        >
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">Menu</span>
        </button>
        <Link to="/offers" className="brand">
          Touchpoint
        </Link>
        <span className="workspace-name" title="Workspace">
          {workspace.name}
        </span>
      </header>
      <nav id="sidebar" className="sidebar" aria-label="Main">
        <NavLinks routes={ROUTES} />
        <div className="account">
          <div className="account-name">{user.name}</div>
          <div className="account-meta">
            {user.email} · {ROLE_TEXT[user.role]}
          </div>
          <Link to="/account/password" className="nav-link small">
            Change password
          </Link>
          <button type="button" className="nav-link small link-button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
