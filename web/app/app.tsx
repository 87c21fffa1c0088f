// The dashboard's shell: who is signed in decides between the sign-in pages, the forced password change and the
// pages of the route table, drawn inside the navigation layout.
import { Suspense, useEffect } from 'react';
import { ConfirmProvider, ToastProvider } from '../shared/dialog.js';
import { findRoute } from '../shared/route-match.js';
import { navigate, Router, useLocation } from '../shared/router.js';
import { preloadPages, usePageCode } from '../shared/routes.js';
import { routeTitle, TitleProvider, useDocumentTitle } from '../shared/title.js';
import { Button, ErrorMessage, Loading } from '../shared/ui.js';
import { AuthProvider, useAuth } from './auth.js';
import { Layout } from './layout.js';
import ChangePassword from './pages/change-password.js';
import NotFound from './pages/not-found.js';
import { HOME } from './home.js';
import { PUBLIC_ROUTES, ROUTES } from './routes.js';

export const BASE = '/app';

function Screens() {
  const { state, retry } = useAuth();
  const { path } = useLocation();
  const publicMatch = findRoute(PUBLIC_ROUTES, path);
  const signedIn = state.status === 'signed-in';
  const match = findRoute(ROUTES, path);
  // The page's code is fetched while the server is asked who is signed in, not after.
  const codeReady = usePageCode((publicMatch ?? match)?.route.page);
  useDocumentTitle(
    publicMatch && !(signedIn && path === '/login')
      ? routeTitle(publicMatch.route)
      : state.status !== 'signed-in'
        ? undefined
        : state.me.user.mustChangePassword
          ? 'Change password'
          : (routeTitle(match?.route) ?? 'Page not found'),
    'Touchpoint',
  );

  useEffect(() => {
    if (state.status === 'signed-out' && !publicMatch) {
      // Back to where they were after signing in.
      const next = path === '/' ? '' : `?next=${encodeURIComponent(path + window.location.search)}`;
      navigate(`/login${next}`, { replace: true });
    }
    if (signedIn && (path === '/' || path === '/login')) navigate(HOME, { replace: true });
  }, [state.status, path, publicMatch, signedIn]);

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
          <h1>Touchpoint</h1>
          <ErrorMessage error={state.error} />
          <Button variant="primary" onClick={retry}>
            Try again
          </Button>
        </div>
      </div>
    );
  }
  if (publicMatch && !(signedIn && path === '/login')) {
    const Page = publicMatch.route.page;
    return (
      <Suspense
        fallback={
          <div className="center-screen">
            <Loading />
          </div>
        }
      >
        <Page params={publicMatch.params} />
      </Suspense>
    );
  }
  if (!signedIn)
    return (
      <div className="center-screen">
        <Loading />
      </div>
    );
  if (state.me.user.mustChangePassword) {
    return (
      <div className="center-screen">
        <ChangePassword params={{}} />
      </div>
    );
  }
  const Page = match?.route.page;
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        {Page ? <Page key={path} params={match.params} /> : <NotFound params={{}} />}
      </Suspense>
    </Layout>
  );
}

export function App() {
  return (
    <Router basePath={BASE}>
      <ToastProvider>
        <ConfirmProvider>
          <AuthProvider>
            <TitleProvider>
              <Screens />
            </TitleProvider>
          </AuthProvider>
        </ConfirmProvider>
      </ToastProvider>
    </Router>
  );
}
