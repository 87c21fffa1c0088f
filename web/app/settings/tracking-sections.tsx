// The browser tag and pixel, Shopify, WooCommerce, Stripe, and the drop-in URLs for TUNE/HasOffers and Everflow integrations.
import { useState } from 'react';
import { api } from '../../shared/api.js';
import { useConfirm } from '../../shared/dialog.js';
import { useAction } from '../../shared/hooks.js';
import { Button, ErrorMessage, TextField } from '../../shared/ui.js';
import type { Workspace } from '../../../src/contract/index.js';
import { Snippet } from './snippet.js';
import {
  SHOPIFY_TOPICS,
  STRIPE_EVENTS,
  everflowUrl,
  pixelTag,
  stripeCheckoutSnippet,
  tagConversionCall,
  tagScript,
  tuneUrl,
  type SaleExample,
  type SnippetContext,
} from './tracking-snippets.js';

export function TagSection({ base, sale }: { base: string; sale: SaleExample }) {
  return (
    <section className="card" aria-labelledby="tag-title">
      <h2 id="tag-title">3. JavaScript tag or pixel (from the shopper&apos;s browser)</h2>
      <p>
        Prefer a server postback (or Shopify) where you can: evidence from your server outranks what a browser reports,
        and ad blockers cannot stop it. The tag is the quick start, and a useful second source when both are in place.
      </p>
      <Snippet label="On every page of your shop, in <head>" text={tagScript(base)} what="tag script" />
      <Snippet label="On the order confirmation page" text={tagConversionCall(sale)} what="conversion call" />
      <Snippet label="Or, without JavaScript, the pixel" text={pixelTag(base, sale)} what="pixel" />
      <p className="muted small">
        The tag keeps the <code>tp_click</code> id from a creator&apos;s link in a first-party cookie on your own domain
        and sends it with the order. Fill in the order&apos;s real values where the example has fixed ones.
      </p>
      <h3>First-party links (recommended for Safari and in-app browsers)</h3>
      <p className="small">
        Safari keeps a cookie that a third party&apos;s server or script sets for 7 days at most (24 hours after a
        decorated link), and in-app browsers often drop it. Route a path of your own site, such as{' '}
        <code>https://shop.example.com/go/*</code>, to Touchpoint through your reverse proxy (nginx, Caddy or a
        Cloudflare Worker), set it as the offer&apos;s <em>tracking origin</em>, and load the tag from{' '}
        <code>/go/t.js</code>: the click cookie is then your site&apos;s own and lives its full window. The proxy
        snippets and what Touchpoint needs (<code>TRUST_PROXY</code>) are in <code>docs/first-party.md</code>.
      </p>
    </section>
  );
}

/** The write-only signing secret a platform signs its webhooks with: connect, replace, disconnect. */
function PlatformSecret({
  platform,
  field,
  connected,
  canEdit,
  onSaved,
}: {
  platform: string;
  field: 'shopifyWebhookSecret' | 'woocommerceWebhookSecret' | 'stripeWebhookSecret';
  connected: boolean;
  canEdit: boolean;
  onSaved: (w: Workspace) => void;
}) {
  const confirm = useConfirm();
  const [secret, setSecret] = useState('');
  const [saved, setSaved] = useState('');
  const save = useAction(async (value: string | null) => {
    const w = await api.patch<Workspace>('/workspace', { [field]: value });
    onSaved(w);
    setSecret('');
    setSaved(value === null ? `${platform} disconnected.` : 'Signing secret saved.');
  });
  return (
    <>
      {canEdit ? (
        <form
          className="inline-form shopify-secret"
          onSubmit={(e) => {
            e.preventDefault();
            if (secret.trim()) void save.run(secret.trim());
          }}
        >
          <TextField
            label={connected ? 'Replace the signing secret' : `${platform} signing secret`}
            type="password"
            autoComplete="off"
            value={secret}
            onChange={(v) => {
              setSecret(v);
              setSaved('');
            }}
            hint="Write-only: Touchpoint never shows it again."
          />
          <Button type="submit" variant="primary" busy={save.busy} disabled={!secret.trim()}>
            {connected ? 'Replace' : 'Connect'}
          </Button>
          {connected && (
            <Button
              variant="danger"
              onClick={() =>
                confirm({
                  title: `Disconnect ${platform}?`,
                  body: `${platform}’s deliveries will be refused until a signing secret is saved again.`,
                  confirm: 'Disconnect',
                  danger: true,
                  action: () => save.run(null),
                })
              }
            >
              Disconnect
            </Button>
          )}
        </form>
      ) : (
        <p className="muted small">An owner or a manager can connect {platform} with its signing secret.</p>
      )}
      <ErrorMessage error={save.error} />
      {saved && (
        <p className="small" role="status">
          {saved}
        </p>
      )}
    </>
  );
}

function ConnectedBadge({ connected, testId }: { connected: boolean; testId: string }) {
  return (
    <span className={`badge ${connected ? 'badge-active' : 'badge-paused'}`} data-testid={testId}>
      {connected ? 'Connected' : 'Not connected'}
    </span>
  );
}

interface PlatformProps {
  workspace: Workspace;
  canEdit: boolean;
  onSaved: (w: Workspace) => void;
}

export function ShopifySection({ workspace, canEdit, onSaved }: PlatformProps) {
  return (
    <section className="card" aria-labelledby="shopify-title">
      <div className="section-head">
        <h2 id="shopify-title">4. Shopify</h2>
        <ConnectedBadge connected={workspace.shopifyConnected} testId="shopify-status" />
      </div>
      <Snippet label="Webhook URL" text={workspace.shopifyWebhookUrl} what="Shopify webhook URL" />
      <ol className="steps">
        <li>
          In Shopify admin, open <strong>Settings → Notifications → Webhooks</strong> and choose{' '}
          <strong>Create webhook</strong>.
        </li>
        <li>
          Create one webhook per event below, format <strong>JSON</strong>, URL the webhook URL above, the latest API
          version:
          <ul>
            {SHOPIFY_TOPICS.map((t) => (
              <li key={t.topic}>
                <strong>{t.event}</strong> (<code>{t.topic}</code>): {t.does}
              </li>
            ))}
          </ul>
        </li>
        <li>
          Copy the signing secret Shopify shows under the webhook list (&ldquo;Your webhooks will be signed
          with…&rdquo;) and save it here.
        </li>
        <li>
          Use <strong>Send test notification</strong>: it appears on Tracking check, not among real orders.
        </li>
      </ol>
      <p className="muted small" data-testid="shopify-app-note">
        Shopify stops running script tags on the order status page (August 26, 2026) and on the storefront (March 1,
        2027): use the Touchpoint Shopify app (app embed and web pixel, <code>integrations/shopify</code>) instead of
        the tag there, as <code>docs/shopify-app.md</code> describes.
      </p>
      <PlatformSecret
        platform="Shopify"
        field="shopifyWebhookSecret"
        connected={workspace.shopifyConnected}
        canEdit={canEdit}
        onSaved={onSaved}
      />
    </section>
  );
}

export function WooCommerceSection({ workspace, canEdit, onSaved }: PlatformProps) {
  return (
    <section className="card" aria-labelledby="woocommerce-title">
      <div className="section-head">
        <h2 id="woocommerce-title">5. WooCommerce</h2>
        <ConnectedBadge connected={workspace.woocommerceConnected} testId="woocommerce-status" />
      </div>
      <p>WooCommerce&apos;s own webhooks are enough: no plugin to install.</p>
      <Snippet label="Delivery URL" text={workspace.woocommerceWebhookUrl} what="WooCommerce delivery URL" />
      <ol className="steps">
        <li>
          Choose a secret (a long random word) and save it below first: WooCommerce checks the URL as soon as the
          webhook is saved.
        </li>
        <li>
          In WordPress, open <strong>WooCommerce → Settings → Advanced → Webhooks</strong> and choose{' '}
          <strong>Add webhook</strong>: status <strong>Active</strong>, topic <strong>Order created</strong>, the
          delivery URL above, the same secret, API version <strong>WP REST API Integration v3</strong>.
        </li>
        <li>
          Add a second one, the same but with topic <strong>Order updated</strong>: it brings payments, refunds and
          cancellations.
        </li>
      </ol>
      <p className="muted small">
        A paid order (processing or completed) is credited by its coupon, or by the creator&apos;s click that
        WooCommerce&apos;s order attribution kept with the order. Each refund counts once; a refunded or cancelled order
        is reversed. Orders waiting for payment are credited when they are paid.
      </p>
      <PlatformSecret
        platform="WooCommerce"
        field="woocommerceWebhookSecret"
        connected={workspace.woocommerceConnected}
        canEdit={canEdit}
        onSaved={onSaved}
      />
    </section>
  );
}

export function StripeSection({ workspace, canEdit, onSaved }: PlatformProps) {
  return (
    <section className="card" aria-labelledby="stripe-title">
      <div className="section-head">
        <h2 id="stripe-title">6. Stripe</h2>
        <ConnectedBadge connected={workspace.stripeConnected} testId="stripe-status" />
      </div>
      <p>
        Stripe Checkout and subscriptions, from Stripe&apos;s own webhooks: renewals pay per the offer&apos;s recurring
        setting.
      </p>
      <Snippet label="Endpoint URL" text={workspace.stripeWebhookUrl} what="Stripe endpoint URL" />
      <ol className="steps">
        <li>
          In Stripe&apos;s dashboard, open <strong>Developers → Webhooks</strong> and choose{' '}
          <strong>Add endpoint</strong> with the URL above.
        </li>
        <li>Select the events listed below.</li>
        <li>
          Reveal the endpoint&apos;s <strong>Signing secret</strong> (<code>whsec_…</code>) and save it below.
        </li>
      </ol>
      <Snippet label="Events to select" text={STRIPE_EVENTS.join('\n')} what="Stripe events" />
      <Snippet label="Checkout: pass the click id" text={stripeCheckoutSnippet()} what="Stripe Checkout snippet" />
      <p className="muted small">
        A Checkout is credited by the click in <code>client_reference_id</code> (or <code>metadata.tp_click</code>), by{' '}
        <code>metadata.tp_code</code>, or by the Touchpoint code whose Stripe promotion code was applied. A
        subscription&apos;s renewals credit the creator who won its first order while the offer&apos;s recurring window
        lasts; each refund counts once, a dispute reverses, and after the subscription ends nothing more pays. A renewal
        that does not pay is kept in the events with its reason.
      </p>
      <PlatformSecret
        platform="Stripe"
        field="stripeWebhookSecret"
        connected={workspace.stripeConnected}
        canEdit={canEdit}
        onSaved={onSaved}
      />
    </section>
  );
}

export function NetworkSection({ ctx, sale }: { ctx: SnippetContext; sale: SaleExample }) {
  return (
    <section className="card" aria-labelledby="networks-title">
      <h2 id="networks-title">7. Moving from TUNE/HasOffers or Everflow</h2>
      <p>
        Keep your existing integration: change its host to Touchpoint&apos;s and its token to your postback secret.
        Everything it already fills in per order (the <code>{'{…}'}</code> values) stays as it is. The click id it sends
        as <code>transaction_id</code> is the one a creator&apos;s link brings: put{' '}
        <code>{'transaction_id={transaction_id}'}</code> (or read <code>tp_click</code>) on your offer&apos;s
        destination URL.
      </p>
      <Snippet
        label="TUNE/HasOffers (answers success=true; like TUNE)"
        text={tuneUrl(ctx, sale.offer)}
        what="TUNE URL"
      />
      <p className="muted small">
        <code>offer_id</code> may stay TUNE&apos;s number (it is ignored) or be the Touchpoint offer id;{' '}
        <code>adv_unique1</code> is your order id.
      </p>
      <Snippet
        label="Everflow-style parameters"
        text={everflowUrl(ctx, sale.offer, sale.currency)}
        what="Everflow URL"
      />
      <p className="muted small">
        <code>transaction_id</code> (click id), <code>coupon_code</code>, <code>order_id</code> and <code>amount</code>{' '}
        (or <code>sale_amount</code>) are read under Everflow&apos;s names; the token travels as <code>secret</code>.
      </p>
    </section>
  );
}
