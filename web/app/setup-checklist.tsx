// "Get started" on the Offers page: the four setup steps, each ticked by what the server stored (GET /setup-checklist,
// polled every 3 s while the tab is visible), with the way to the next step. Once all four are done it says so until
// dismissed; a workspace that had them all done before this browser saw an open step never shows it (the demo, an
// established program). Dismissal is remembered per user and workspace in localStorage.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { SetupChecklist, SetupStep } from '../../src/contract/index.js';
import { api } from '../shared/api.js';
import { formatDateTime } from '../shared/format.js';
import { usePolled } from '../shared/poll.js';
import { Link } from '../shared/router.js';
import { Button, CopyButton } from '../shared/ui.js';
import { useCanEdit, useMe } from './auth.js';

const POLL_MS = 3000;

const TITLES: Record<SetupStep['key'], string> = {
  offer: 'Create an offer',
  member: 'Add a creator to an offer',
  click: 'Click a creator’s link',
  conversion: 'Send a test order',
};

function stored(key: string): boolean {
  try {
    return localStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}
function store(key: string): void {
  try {
    localStorage.setItem(key, '1');
  } catch {
    // Private mode without storage: the card comes back next visit, nothing worse.
  }
}

/** `onProgress`: a step ticked while the card was shown (the page's own lists may be out of date, e.g. a new offer). */
export function GetStarted({ onProgress }: { onProgress?: () => void }) {
  const me = useMe();
  const canEdit = useCanEdit();
  const keys = {
    dismissed: `tp.getStarted.dismissed.${me.workspace.id}.${me.user.id}`,
    seenOpen: `tp.getStarted.seenOpen.${me.workspace.id}.${me.user.id}`,
  };
  const [dismissed, setDismissed] = useState(() => stored(keys.dismissed));
  // Asked once all four are done, then no more: an established workspace's landing page does not poll.
  const checklist = usePolled((signal) => api.get<SetupChecklist>('/setup-checklist', undefined, signal), POLL_MS, {
    until: (c) => c.allDone,
    enabled: !dismissed,
  });
  const c = checklist.data;
  const doneCount = c ? c.steps.filter((s) => s.done).length : null;
  const lastCount = useRef<number | null>(null);
  const progress = useRef(onProgress);
  progress.current = onProgress;
  useEffect(() => {
    if (doneCount === null) return;
    if (lastCount.current !== null && doneCount > lastCount.current) progress.current?.();
    lastCount.current = doneCount;
  }, [doneCount]);
  const openSeen = !!c && !c.allDone;
  useEffect(() => {
    if (openSeen) store(keys.seenOpen);
  }, [openSeen, keys.seenOpen]);
  if (!c || dismissed) return null;
  if (c.allDone && !stored(keys.seenOpen)) return null;
  const open = c.steps.findIndex((s) => !s.done);
  const dismiss = () => {
    store(keys.dismissed);
    setDismissed(true);
  };

  return (
    <section className="card get-started" aria-labelledby="get-started-title" data-testid="get-started">
      <div className="section-head">
        <h2 id="get-started-title">{c.allDone ? 'You’re all set' : 'Get started'}</h2>
        {c.allDone && (
          <Button variant="ghost" className="btn-small" onClick={dismiss}>
            Dismiss
          </Button>
        )}
      </div>
      <p className="muted">
        {c.allDone
          ? 'Your offer, creators, clicks and orders are all tracked. Test orders stay in the tracking check and are never paid.'
          : 'Four steps to see a sale tracked end to end. Each one ticks itself as soon as it happens.'}
      </p>
      <ol className="setup-steps">
        {c.steps.map((s, i) => (
          <li
            key={s.key}
            className={s.done ? 'setup-step done' : i === open ? 'setup-step current' : 'setup-step'}
            data-testid={`setup-step-${s.key}`}
            data-done={s.done ? 'true' : 'false'}
          >
            <span className="setup-mark" aria-hidden="true">
              {s.done ? '✓' : i + 1}
            </span>
            <div className="setup-body">
              <h3>
                {TITLES[s.key]}
                <span className="visually-hidden">{s.done ? ' (done)' : ' (to do)'}</span>
              </h3>
              <div className="muted small">{s.done ? proofWords(s, me.workspace.timezone) : null}</div>
              {(s.done ? s.key === 'conversion' : i === open) && (
                <div className="setup-action">{nextAction(s, c, canEdit)}</div>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

function proofWords(s: SetupStep, timeZone: string): string {
  const at = s.doneAt ? ` · ${formatDateTime(s.doneAt, undefined, timeZone)}` : '';
  switch (s.key) {
    case 'offer':
      return `${s.proof?.offerName ?? 'An offer'} created${at}`;
    case 'member':
      return `${s.proof?.memberName ?? 'A creator'} added to ${s.proof?.offerName ?? 'an offer'}${at}`;
    case 'click':
      return `A click recorded on a creator’s link${at}`;
    case 'conversion':
      return `${s.proof?.test ? 'Test order' : 'Order'} ${s.proof?.orderId ?? ''} received${at}`;
  }
}

function nextAction(s: SetupStep, c: SetupChecklist, canEdit: boolean): ReactNode {
  switch (s.key) {
    case 'offer':
      return canEdit ? (
        <Link to="/offers/new" className="btn btn-primary btn-small">
          New offer
        </Link>
      ) : (
        <span className="muted small">An owner or manager creates the first offer.</span>
      );
    case 'member':
      return canEdit && c.next.offerId ? (
        <Link to={`/offers/${c.next.offerId}`} className="btn btn-primary btn-small">
          Add creators to the offer
        </Link>
      ) : (
        <span className="muted small">An owner or manager adds creators on the offer’s page.</span>
      );
    case 'click':
      return c.next.link ? (
        <>
          <p className="small">
            Open {c.next.link.memberName}’s link in a browser, as a shopper would:{' '}
            <a href={c.next.link.url} target="_blank" rel="noreferrer" className="link-url mono">
              {c.next.link.url}
            </a>
          </p>
          <CopyButton text={c.next.link.url} label="Copy link" what={`of ${c.next.link.memberName}`} />
        </>
      ) : (
        <span className="muted small">Give a creator a link on the offer’s page, then click it.</span>
      );
    case 'conversion':
      return s.done ? (
        <Link to="/tracking-check" className="btn btn-small">
          See it in the tracking check
        </Link>
      ) : (
        <>
          <p className="small">
            Send an order with <code>test=1</code> by postback, pixel, t.js or a Shopify test notification: it goes
            through the whole decision and is never paid.
          </p>
          {canEdit && (
            <Link to="/settings" className="btn btn-primary btn-small">
              Settings → Tracking setup
            </Link>
          )}{' '}
          <Link to="/tracking-check" className="btn btn-small">
            Open the tracking check
          </Link>
        </>
      );
  }
}
