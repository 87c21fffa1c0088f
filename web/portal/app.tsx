// The creator portal's shell at /p: a member signed in by a magic link sees their pages inside the navigation;
// anyone else is sent to /p/login, where they can ask for a new link.
import { Suspense, useEffect } from 'react';
import { findRoute, matchPath } from '../shared/route-match.js';
import { navigate, Router, useLocation } from '../shared/router.js';
import { preloadPages, usePageCode } from '../shared/routes.js';
import { routeTitle, TitleProvider, useDocumentTitle } from '../shared/title.js';
import { Button, EmptyState, ErrorMessage, Loading } from '../shared/ui.js';
import { Layout } from './layout.js';
import { LOGIN, ROUTES } from './routes.js';
import { SessionProvider, useSession } from './session.js';

export const BASE = '/p';

function Screens() {
  const { state, retry } = useSession();
  const { path } = useLocation();
  const onLogin = matchPath(LOGIN.path, path) !== null;
  const signedIn = state.status === 'signed-in';
  const match = findRoute(ROUTES, path);
  // The page's code is fetched while the server is asked who is signed in, not after.
  const codeReady = usePageCode((onLogin ? LOGIN : match?.route)?.page);
  // Creators know the brand, not Touchpoint: the tab names the brand's portal once the member is known.
  useDocumentTitle(
    onLogin ? routeTitle(LOGIN) : signedIn ? (routeTitle(match?.route) ?? 'Page not found') : undefined,
    state.status === 'signed-in' ? `${state.me.workspace.name} creator portal` : 'Creator portal',
  );

  useEffect(() => {
    if (state.status === 'signed-out' && !onLogin) navigate('/login', { replace: true });
    // A member who is already signed in and opens the sign-in page (an old bookmark) goes to their offers.
    if (signedIn && onLogin && !window.location.search.includes('error=')) navigate('/', { replace: true });
  }, [state.status, onLogin, signedIn]);

  useEffect(() => (signedIn ? preloadPages(ROUTES) : undefined), [signedIn]);

  if (state.status === 'loading' || !codeReady)
    return (
      <div className="center-screen">
        <Loading />
      </div>
    );
  if (state.status === 'unknown') {
    return (
      <div className="center-screen">
        <div className="card narrow">
          <h1 className="brand-title">Creator portal</h1>
          <ErrorMessage error={state.error} />
          <Button variant="primary" onClick={retry}>
            Try again
          </Button>
        </div>
      </div>
    );
  }
  if (onLogin) {
    const Page = LOGIN.page;
    return (
      <Suspense
        fallback={
          <div className="center-screen">
            <Loading />
          </div>
        }
      >
        <Page params={{}} />
      </Suspense>
    );
  }
  if (!signedIn)
    return (
      <div className="center-screen">
        <Loading />
      </div>
    );
  const Page = match?.route.page;
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        {Page ? (
          <Page key={path} params={match.params} />
        ) : (
          <EmptyState title="There is no such page">
            Use the menu to find your offers, performance, commissions and payouts.
          </EmptyState>
        )}
      </Suspense>
    </Layout>
  );
}

export function App() {
  return (
    <Router basePath={BASE}>
      <SessionProvider>
        <TitleProvider>
          <Screens />
        </TitleProvider>
      </SessionProvider>
    </Router>
  );
}
