// The three steps of the offer wizard. Each edits part of one OfferDraft; errors arrive keyed by the API's paths.
import { Button, Checkbox, Field, SelectField, TextAreaField, TextField } from '../shared/ui.js';
import { newKey, UTM_MACROS, type OfferDraft } from './offer-form.js';
import { PayoutEditor } from './payout-editor.js';

export interface StepProps {
  draft: OfferDraft;
  set: (patch: Partial<OfferDraft>) => void;
  errors: Record<string, string>;
  /** The workspace's currency, used when the offer does not name one. */
  defaultCurrency: string;
  /** The workspace's time zone, in which the end date is a day. */
  timeZone?: string;
}

const RECURRING_MODES = [
  { value: 'none', label: 'Do not pay' },
  { value: 'months', label: 'Pay for the first months' },
  { value: 'lifetime', label: 'Pay for the subscription’s lifetime' },
] as const;

const CONVERSION_TYPES = [
  { value: 'sale', label: 'A sale' },
  { value: 'lead', label: 'A lead' },
  { value: 'email_signup', label: 'An email sign-up' },
  { value: 'download', label: 'A download' },
] as const;

export function DetailsStep({ draft, set, errors, defaultCurrency }: StepProps) {
  return (
    <>
      <TextField
        label="Offer name"
        value={draft.name}
        onChange={(name) => set({ name })}
        error={errors.name}
        placeholder="Spring sale 2025"
        autoFocus
      />
      <TextField
        label="Destination URL"
        value={draft.destinationUrl}
        onChange={(destinationUrl) => set({ destinationUrl })}
        error={errors.destinationUrl}
        type="url"
        inputMode="url"
        placeholder="https://shop.example.com/spring"
        hint="Where the tracking links send shoppers. Network-style macros such as {click_id} are filled in on each click."
      />
      <TextAreaField
        label="Internal description"
        value={draft.description}
        onChange={(description) => set({ description })}
        error={errors.description}
        hint="For your team; creators do not see it."
      />
      <TextField
        label="Image URL (optional)"
        value={draft.imageUrl}
        onChange={(imageUrl) => set({ imageUrl })}
        error={errors.imageUrl}
        type="url"
        inputMode="url"
        placeholder="https://cdn.example.com/spring.jpg"
      />
      <div className="grid-2">
        <SelectField
          label="A conversion is"
          value={draft.conversionType}
          onChange={(conversionType) => set({ conversionType })}
          options={[...CONVERSION_TYPES]}
          error={errors.conversionType}
        />
        <TextField
          label="Currency"
          value={draft.currency}
          onChange={(currency) => set({ currency: currency.toUpperCase() })}
          error={errors.currency}
          placeholder={defaultCurrency || 'USD'}
          hint={`Commissions are paid in it. Empty: the workspace’s (${defaultCurrency || 'default'}).`}
        />
      </div>
    </>
  );
}

export function TrackingStep({ draft, set, errors, defaultCurrency }: StepProps) {
  const both = draft.trackByLink && draft.trackByCode;
  return (
    <>
      <fieldset className="fieldset">
        <legend>How sales are tracked</legend>
        <Checkbox
          label="Tracking links"
          checked={draft.trackByLink}
          onChange={(trackByLink) => set({ trackByLink })}
          hint="Each creator shares a unique short link."
        />
        <Checkbox
          label="Promo codes"
          checked={draft.trackByCode}
          onChange={(trackByCode) => set({ trackByCode })}
          hint="Each creator gets a discount code shoppers type at checkout."
        />
        {errors.trackingMethods && (
          <p className="field-error" role="alert">
            {errors.trackingMethods}
          </p>
        )}
        {both && (
          <div className="grid-2">
            <SelectField
              label="Who gets the credit when one creator’s link and another’s code both count"
              value={draft.attributionRule}
              onChange={(attributionRule) => set({ attributionRule })}
              error={errors.attributionRule}
              options={[
                { value: 'code_first', label: 'The code’s creator' },
                { value: 'click_first', label: 'The link’s creator' },
                { value: 'split', label: 'Both, split' },
              ]}
            />
            {draft.attributionRule === 'split' && (
              <TextField
                label="Code’s share (%)"
                value={draft.splitCodeShare}
                onChange={(splitCodeShare) => set({ splitCodeShare })}
                error={errors.splitCodeShare}
                inputMode="decimal"
              />
            )}
          </div>
        )}
        {both && (
          <SelectField
            label="Add the creator’s code to their link"
            value={draft.codeAppendMode}
            onChange={(codeAppendMode) => set({ codeAppendMode })}
            error={errors['codeAppend.mode']}
            hint="So the discount is applied for shoppers who arrive through the link."
            options={[
              { value: 'none', label: 'No' },
              { value: 'query', label: 'As a parameter (?discount=CODE)' },
              { value: 'shopify', label: 'Shopify discount link (/discount/CODE)' },
            ]}
          />
        )}
        {both && draft.codeAppendMode === 'query' && (
          <TextField
            label="Parameter name"
            value={draft.codeAppendParam}
            onChange={(codeAppendParam) => set({ codeAppendParam })}
            error={errors['codeAppend.param']}
          />
        )}
        <div className="grid-2">
          <TextField
            label="Cookie window (days)"
            value={draft.cookieWindowDays}
            onChange={(cookieWindowDays) => set({ cookieWindowDays })}
            error={errors.cookieWindowDays}
            inputMode="numeric"
            hint="How long after a click a sale still counts."
          />
          <TextField
            label="Hold period (days)"
            value={draft.holdDays}
            onChange={(holdDays) => set({ holdDays })}
            error={errors.holdDays}
            inputMode="numeric"
            hint="Commissions are approved after this, leaving time for returns."
          />
        </div>
        <SelectField
          label="Subscription renewals (Stripe)"
          value={draft.recurringMode}
          onChange={(recurringMode) => set({ recurringMode })}
          options={[...RECURRING_MODES]}
          hint="Whether the creator who won a subscription’s first order also earns on its renewals."
        />
        {draft.recurringMode !== 'none' && (
          <div className="grid-2">
            {draft.recurringMode === 'months' && (
              <TextField
                label="For the first (months)"
                value={draft.recurringMonths}
                onChange={(recurringMonths) => set({ recurringMonths })}
                error={errors['recurring.months']}
                inputMode="numeric"
              />
            )}
            <TextField
              label="At most (paid invoices)"
              value={draft.recurringMaxInvoices}
              onChange={(recurringMaxInvoices) => set({ recurringMaxInvoices })}
              error={errors['recurring.maxInvoices']}
              inputMode="numeric"
              hint="The first order counts as one; empty: no cap."
            />
          </div>
        )}
      </fieldset>
      <fieldset className="fieldset">
        <legend>Orders reported by the shopper’s browser</legend>
        <p className="hint">
          The pixel and the t.js tag run in the shopper’s browser, where anyone can imitate them; orders your store’s
          server sends (postbacks, webhooks) are trusted first.
        </p>
        <Checkbox
          label="Credit promo codes reported by the browser (pixel, t.js) without a recorded click"
          checked={draft.browserCodeCredit}
          onChange={(browserCodeCredit) => set({ browserCodeCredit })}
          hint="Off (recommended): a forged pixel could otherwise claim any code, so such orders wait for your store’s server or for a review on the Conversions page."
        />
        <TextField
          label={`Hold browser-reported orders above (${draft.currency || defaultCurrency || 'offer currency'}, optional)`}
          value={draft.browserAmountLimit}
          onChange={(browserAmountLimit) => set({ browserAmountLimit })}
          error={errors.browserAmountLimit}
          inputMode="decimal"
          placeholder="500.00"
          hint="A larger amount from the browser waits for your store’s server or a review. Empty: no limit."
        />
        {errors.browserCodeCredit && (
          <p className="field-error" role="alert">
            {errors.browserCodeCredit}
          </p>
        )}
      </fieldset>
      <PayoutEditor
        payouts={draft.payouts}
        currency={draft.currency || defaultCurrency}
        errors={errors}
        onChange={(payouts) => set({ payouts })}
      />
    </>
  );
}

export function SettingsStep({ draft, set, errors, timeZone }: StepProps) {
  const setUtm = (i: number, patch: Partial<OfferDraft['utm'][number]>) =>
    set({ utm: draft.utm.map((u, j) => (j === i ? { ...u, ...patch } : u)) });
  return (
    <>
      <TextField
        label="End date (optional)"
        type="date"
        value={draft.endsOn}
        onChange={(endsOn) => set({ endsOn })}
        error={errors.endsAt}
        hint={`After the end of this day${timeZone ? ` (${timeZone} time)` : ''}, links keep working but clicks and sales are no longer credited.`}
      />
      <fieldset className="fieldset">
        <legend>UTM parameters</legend>
        <p className="hint">
          Added to the destination on every click, so your shop analytics see where visitors came from. Insert a dynamic
          value to fill in each creator’s details.
        </p>
        {draft.utm.map((u, i) => (
          <div className="utm-row" key={u.key} data-testid="utm-row">
            <Field label="Parameter" htmlFor={`${u.key}-name`} error={errors[`utm.${i}`]}>
              <input
                id={`${u.key}-name`}
                value={u.name}
                placeholder="utm_source"
                onChange={(e) => setUtm(i, { name: e.target.value })}
              />
            </Field>
            <Field label="Value" htmlFor={`${u.key}-value`}>
              <input id={`${u.key}-value`} value={u.value} onChange={(e) => setUtm(i, { value: e.target.value })} />
            </Field>
            <div className="utm-tools">
              <select
                aria-label={`Insert a dynamic value into ${u.name || 'this parameter'}`}
                value=""
                onChange={(e) => e.target.value && setUtm(i, { value: u.value + e.target.value })}
              >
                <option value="">+ Dynamic value</option>
                {UTM_MACROS.map((m) => (
                  <option key={m.macro} value={m.macro}>
                    {m.label}
                  </option>
                ))}
              </select>
              <Button
                variant="ghost"
                className="btn-small"
                onClick={() => set({ utm: draft.utm.filter((_, j) => j !== i) })}
                aria-label={`Remove ${u.name || 'parameter'}`}
              >
                Remove
              </Button>
            </div>
          </div>
        ))}
        <Button onClick={() => set({ utm: [...draft.utm, { key: newKey('u'), name: '', value: '' }] })}>
          + Add a parameter
        </Button>
      </fieldset>
      <fieldset className="fieldset">
        <legend>Deep links</legend>
        <Checkbox
          label="Creators may link to any page of the shop"
          checked={draft.allowCreatorDeepLinks}
          onChange={(allowCreatorDeepLinks) => set({ allowCreatorDeepLinks })}
          hint="From their portal, e.g. straight to a product. Only the destination’s own site and the domains below are allowed."
        />
        <TextAreaField
          label="Other allowed domains"
          value={draft.extraDomains}
          onChange={(extraDomains) => set({ extraDomains })}
          rows={2}
          error={Object.entries(errors).find(([k]) => k.startsWith('deepLinks'))?.[1]}
          placeholder={'shop.example.com\n*.example.com'}
          hint="One per line. *.example.com allows every subdomain."
        />
      </fieldset>
      <fieldset className="fieldset">
        <legend>First-party links</legend>
        <TextField
          label="Tracking origin on your site (optional)"
          value={draft.trackingOrigin}
          onChange={(trackingOrigin) => set({ trackingOrigin })}
          error={errors.trackingOrigin}
          inputMode="url"
          placeholder="https://shop.example.com/go"
          hint="A path your reverse proxy forwards to Touchpoint. Links become this address plus the slug, and the click cookie is your site’s own, so Safari and in-app browsers keep it. Set up the proxy first: see docs/first-party.md."
        />
      </fieldset>
    </>
  );
}
