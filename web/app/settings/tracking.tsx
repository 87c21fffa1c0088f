// Settings → Tracking setup: everything a brand needs to connect its shop, without reading code — the server
// postback with a URL builder, signed postbacks in four languages, the tag and the pixel, Shopify, WooCommerce, Stripe, and the URLs that
// replace a TUNE or Everflow integration. Every snippet comes from tracking-snippets.ts (the same text the tests run
// against a real server). Viewers see every section with a placeholder where the postback secret goes.
import { useState } from 'react';
import { api, getAll } from '../../shared/api.js';
import { useResource } from '../../shared/hooks.js';
import { Link } from '../../shared/router.js';
import { ErrorMessage, Loading } from '../../shared/ui.js';
import type { Offer, Workspace } from '../../../src/contract/index.js';
import { useCanEdit } from '../auth.js';
import { SettingsPage } from './settings-nav.js';
import { Snippet } from './snippet.js';
import { PostbackBuilder, type BuilderSale } from './tracking-builder.js';
import { NetworkSection, ShopifySection, StripeSection, TagSection, WooCommerceSection } from './tracking-sections.js';
import { SECRET_PLACEHOLDER, postbackTemplate, trackingBase, type SnippetContext } from './tracking-snippets.js';
import { SignedSection } from './tracking-signed.js';

export default function TrackingSetup() {
  const canEdit = useCanEdit();
  const data = useResource(async (signal) => {
    const [workspace, offers] = await Promise.all([
      api.get<Workspace>('/workspace', undefined, signal),
      getAll<Offer>('/offers', { status: 'active' }, 500),
    ]);
    return { workspace, offers };
  }, []);
  const [sale, setSale] = useState<BuilderSale | null>(null);

  if (data.error) return <ErrorMessage error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const { workspace, offers } = data.data;
  const ctx: SnippetContext = {
    base: trackingBase(workspace.shopifyWebhookUrl),
    secret: workspace.postbackSecret,
    workspaceId: workspace.id,
  };
  const example = sale ?? { currency: workspace.currency, order: 'ORDER-1001', test: true };

  return (
    <SettingsPage subtitle="Connect your shop: tell Touchpoint about each order, and it credits the right creator.">
      <div className="tracking-setup">
        <p className="tracking-intro">
          Pick one way to report orders — a <strong>server postback</strong> is the most reliable — then place a{' '}
          <strong>test order</strong> and check that it arrived on{' '}
          <Link to="/tracking-check">Tracking check (see your test conversions)</Link>.
        </p>

        <section className="card" aria-labelledby="postback-title">
          <h2 id="postback-title">1. Server postback</h2>
          <p>
            Your shop&apos;s server (or your platform&apos;s &ldquo;call a URL after each order&rdquo; setting) calls
            this address once per order. The secret proves the call comes from you.
          </p>
          {ctx.secret ? (
            <Snippet label="Postback secret" text={ctx.secret} what="postback secret" />
          ) : (
            <div className="notice notice-warning" data-testid="secret-hidden">
              <span>
                The postback secret is hidden from viewers: an owner or a manager can see it here. The examples below
                show <code>{SECRET_PLACEHOLDER}</code> in its place.
              </span>
            </div>
          )}
          <Snippet label="Postback URL" text={postbackTemplate(ctx)} what="postback URL" />
          <p className="muted small">
            Send <code>click</code> (the <code>tp_click</code> id your landing page received), or the promo{' '}
            <code>code</code> the shopper used, or both. <code>amount</code> is the order&apos;s value as a decimal
            (&ldquo;49.90&rdquo;). A refund is the same call with <code>type=refund</code> (and the refunded{' '}
            <code>amount</code>, or none for all of it); a cancellation <code>type=cancel</code>.
          </p>
          <PostbackBuilder ctx={ctx} offers={offers} currency={workspace.currency} onChange={setSale} />
        </section>

        <SignedSection ctx={ctx} sale={example} />
        <TagSection base={ctx.base} sale={example} />
        <ShopifySection workspace={workspace} canEdit={canEdit} onSaved={(w) => data.set({ workspace: w, offers })} />
        <WooCommerceSection
          workspace={workspace}
          canEdit={canEdit}
          onSaved={(w) => data.set({ workspace: w, offers })}
        />
        <StripeSection workspace={workspace} canEdit={canEdit} onSaved={(w) => data.set({ workspace: w, offers })} />
        <NetworkSection ctx={ctx} sale={example} />
      </div>
    </SettingsPage>
  );
}
