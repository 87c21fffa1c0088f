// A surface's page links, drawn from its route table: the routes with a `nav` label, in order, the current one marked.
import { Link, useLocation } from './router.js';
import type { RouteDef } from './routes.js';

export function NavLinks({
  routes,
  exact = false,
}: {
  routes: readonly Pick<RouteDef, 'path' | 'nav'>[];
  /** Mark a link current on its own page only, not on the pages below it (/offers/off_1 under /offers). */
  exact?: boolean;
}) {
  const { path } = useLocation();
  return (
    <ul>
      {routes
        .filter((r) => r.nav)
        .map((r) => {
          const active = path === r.path || (!exact && path.startsWith(`${r.path}/`));
          return (
            <li key={r.path}>
              <Link
                to={r.path}
                className={active ? 'nav-link active' : 'nav-link'}
                aria-current={active ? 'page' : undefined}
              >
                {r.nav}
              </Link>
            </li>
          );
        })}
    </ul>
  );
}
