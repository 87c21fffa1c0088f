// "Link to a specific page": the member pastes a page of the brand's site and gets their own tracking link to it
// (POST /api/portal/deep-links finds the one they made before, or makes it). Only the offer's allowed sites work.
import { useState, type FormEvent } from 'react';
import { api } from '../shared/api.js';
import { ApiError, friendlyMessage } from '../shared/errors.js';
import { Button, CopyButton, TextField } from '../shared/ui.js';
import { QrCode } from './qr.js';
import type { PortalLink, PortalOffer } from '../../src/contract/index.js';

/** "*.example.com" as a person reads it. */
export function domainText(domain: string): string {
  return domain.startsWith('*.') ? `${domain.slice(2)} and its subdomains` : domain;
}

function sitesText(domains: string[]): string {
  const names = domains.map(domainText);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** Creators paste "shop.example.com/serum" as often as a full address; the scheme is the only thing we add. */
function withScheme(value: string): string {
  const v = value.trim();
  return /^[a-z][a-z0-9+.-]*:/i.test(v) ? v : `https://${v}`;
}

export function DeepLinkBuilder({
  offer,
  onLink,
}: {
  offer: PortalOffer;
  onLink: (link: PortalLink, created: boolean) => void;
}) {
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [result, setResult] = useState<{ link: PortalLink; created: boolean } | null>(null);
  const sites = sitesText(offer.deepLinks.domains);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    setResult(null);
    if (!url.trim()) {
      setError('Paste the address of the page you want to link to.');
      return;
    }
    setBusy(true);
    try {
      const r = await api.post<{ link: PortalLink; created: boolean }>('/deep-links', {
        offerId: offer.id,
        url: withScheme(url),
      });
      setResult(r);
      onLink(r.link, r.created);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'deep_link_not_allowed') {
        setError(`That page is not on a site this offer allows. Use a page on ${sites}.`);
      } else if (err instanceof ApiError && (err.code === 'validation_failed' || err.code === 'body_invalid')) {
        setError(
          'That does not look like a web address. Copy it from your browser’s address bar, e.g. https://' +
            (offer.deepLinks.domains[0]?.replace(/^\*\./, '') ?? 'example.com') +
            '/…',
        );
      } else {
        setError(friendlyMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="offer-section" data-testid="deep-link-builder">
      <h3>Link to a specific page</h3>
      <p className="muted small domain-list">
        Send your followers straight to a product or article. Allowed sites:{' '}
        {offer.deepLinks.domains.map((d, i) => (
          <span key={d}>
            {i > 0 && ', '}
            <code>{domainText(d)}</code>
          </span>
        ))}
        .
      </p>
      <form className="inline-form" onSubmit={submit} noValidate>
        <TextField
          label={`Page on ${offer.name}’s site`}
          type="url"
          inputMode="url"
          placeholder={`https://${offer.deepLinks.domains[0]?.replace(/^\*\./, '') ?? 'example.com'}/…`}
          value={url}
          onChange={setUrl}
          error={error || undefined}
        />
        <Button type="submit" variant="primary" busy={busy}>
          Make my link
        </Button>
      </form>
      {result && (
        <div className="deep-link-result" role="status">
          <p className="small">
            {result.created
              ? 'Your new link is ready. It counts like your other links.'
              : 'You already had a link to this page. Here it is.'}
          </p>
          <div className="share-item">
            <div className="share-main">
              <div className="share-url" data-testid="deep-link-url">
                {result.link.url}
              </div>
              <div className="share-sub">Goes to {result.link.deepLinkUrl}</div>
              <div className="share-actions">
                <CopyButton text={result.link.url} label="Copy link" />
              </div>
            </div>
            <QrCode text={result.link.url} fileName={`qr-${result.link.slug}`} />
          </div>
        </div>
      )}
    </div>
  );
}
