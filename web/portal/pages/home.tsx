// The member's offers: what they earn, their links (copy, QR code), their promo codes, when the offer ends, and the
// deep-link builder where the brand allows it. Only the member's own links and codes: the API returns nothing else.
import { api } from '../../shared/api.js';
import { formatDate } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { CopyButton, EmptyState, ErrorMessage, Loading, PageHeader, StatusBadge } from '../../shared/ui.js';
import { DeepLinkBuilder } from '../deep-link.js';
import { QrCode } from '../qr.js';
import type { PageProps } from '../../shared/routes.js';
import { useMe, useTimeZone } from '../session.js';
import type { PortalLink, PortalOffer } from '../../../src/contract/index.js';

function endText(endsAt: string | null, timeZone: string): string {
  if (!endsAt) return 'No end date';
  return `${Date.parse(endsAt) < Date.now() ? 'Ended' : 'Ends'} ${formatDate(endsAt, undefined, timeZone)}`;
}

const OFFER_STATUS_NOTE: Record<string, string> = {
  paused: 'The brand has paused this offer for now.',
  archived: 'This offer has ended.',
};

function LinkItem({ link, offerName }: { link: PortalLink; offerName: string }) {
  return (
    <li className="share-item" data-testid="link">
      <div className="share-main">
        <div className="share-url">{link.url}</div>
        <div className="share-sub">
          {link.deepLinkUrl ? <>Goes to {link.deepLinkUrl}</> : <>Goes to the {offerName} page</>}
          {link.status !== 'active' && (
            <>
              {' '}
              · <StatusBadge status={link.status} /> This link no longer counts.
            </>
          )}
        </div>
        <div className="share-actions">
          <CopyButton text={link.url} label="Copy link" what={link.url} />
        </div>
      </div>
      <QrCode text={link.url} fileName={`qr-${link.slug}`} />
    </li>
  );
}

function OfferCard({
  offer,
  onLink,
}: {
  offer: PortalOffer;
  onLink: (offerId: string, link: PortalLink, created: boolean) => void;
}) {
  const timeZone = useTimeZone();
  const activeCodes = offer.codes;
  return (
    <article className="card" data-testid="offer" aria-labelledby={`offer-${offer.id}`}>
      <div className="offer-card-head">
        {offer.imageUrl && <img src={offer.imageUrl} alt="" />}
        <div>
          <h2 id={`offer-${offer.id}`}>
            {offer.name} <StatusBadge status={offer.status} />
          </h2>
          {OFFER_STATUS_NOTE[offer.status] && <p className="muted small">{OFFER_STATUS_NOTE[offer.status]}</p>}
        </div>
      </div>
      <dl className="offer-facts">
        <div>
          <dt>You earn</dt>
          <dd data-testid="payout">{offer.payout.description}</dd>
        </div>
        <div>
          <dt>Your payout option</dt>
          <dd>{offer.payout.title}</dd>
        </div>
        <div>
          <dt>Offer dates</dt>
          <dd>{endText(offer.endsAt, timeZone)}</dd>
        </div>
      </dl>

      <section className="offer-section">
        <h3>Your links</h3>
        {offer.links.length === 0 ? (
          <p className="muted">
            You have no link for this offer yet.{offer.deepLinks.allowed ? ' Make one to any allowed page below.' : ''}
          </p>
        ) : (
          <ul className="share-list">
            {offer.links.map((l) => (
              <LinkItem key={l.id} link={l} offerName={offer.name} />
            ))}
          </ul>
        )}
      </section>

      <section className="offer-section">
        <h3>Your promo codes</h3>
        {activeCodes.length === 0 ? (
          <p className="muted">You have no promo code for this offer.</p>
        ) : (
          <ul className="code-list">
            {activeCodes.map((c) => (
              <li key={c.id} data-testid="code">
                <span className="promo-code">{c.code}</span>
                {c.status !== 'active' && <StatusBadge status={c.status} />}
                <CopyButton text={c.code} label="Copy code" what={c.code} />
              </li>
            ))}
          </ul>
        )}
        {activeCodes.length > 0 && (
          <p className="hint">Followers type it at checkout; every order with it counts for you.</p>
        )}
      </section>

      {offer.deepLinks.allowed && (
        <DeepLinkBuilder offer={offer} onLink={(link, created) => onLink(offer.id, link, created)} />
      )}
    </article>
  );
}

export default function Home(_: PageProps) {
  const { member, workspace } = useMe();
  const offers = useResource((signal) => api.get<{ data: PortalOffer[] }>('/offers', undefined, signal), []);
  // A new deep link joins its offer's list at once; no need to load every offer again.
  const addLink = (offerId: string, link: PortalLink, created: boolean) => {
    if (!created || !offers.data) return;
    offers.set({ data: offers.data.data.map((o) => (o.id === offerId ? { ...o, links: [...o.links, link] } : o)) });
  };
  return (
    <>
      <PageHeader
        title={`Hi ${member.name}`}
        subtitle={`Your offers with ${workspace.name}: what you earn, and the links and codes to share.`}
        zone={workspace.timezone}
      />
      {offers.error && !offers.data ? (
        <ErrorMessage error={offers.error} onRetry={offers.reload} />
      ) : !offers.data ? (
        <Loading />
      ) : offers.data.data.length === 0 ? (
        <div className="card">
          <EmptyState title="You are not on any offer yet">
            When {workspace.name} adds you to an offer, your links and promo codes show up here.
          </EmptyState>
        </div>
      ) : (
        offers.data.data.map((o) => <OfferCard key={o.id} offer={o} onLink={addLink} />)
      )}
    </>
  );
}
