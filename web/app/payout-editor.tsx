// Payout options of an offer: title, percent of the sale or a fixed amount per conversion, volume tiers, and which
// one is the default for members added without a choice.
import { Button, Field } from '../shared/ui.js';
import { newKey, newPayout, type PayoutDraft } from './offer-form.js';

interface Props {
  payouts: PayoutDraft[];
  currency: string;
  errors: Record<string, string>;
  onChange: (payouts: PayoutDraft[]) => void;
}

export function PayoutEditor({ payouts, currency, errors, onChange }: Props) {
  const update = (i: number, patch: Partial<PayoutDraft>) =>
    onChange(payouts.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  const makeDefault = (i: number) => onChange(payouts.map((p, j) => ({ ...p, default: j === i })));
  const remove = (i: number) => {
    const rest = payouts.filter((_, j) => j !== i);
    if (payouts[i]!.default && rest[0]) rest[0] = { ...rest[0], default: true };
    onChange(rest);
  };
  return (
    <fieldset className="fieldset">
      <legend>Payout options</legend>
      <p className="hint">
        What creators earn. Each member of the offer gets one option; the default is used when you do not pick one.
      </p>
      {errors.payoutOptions && (
        <p className="field-error" role="alert">
          {errors.payoutOptions}
        </p>
      )}
      {payouts.map((p, i) => {
        const at = (f: string) => errors[`payoutOptions.${i}.${f}`];
        const unit = p.type === 'percent' ? '%' : currency || 'amount';
        return (
          <div className="payout" key={p.key} data-testid="payout-option">
            <div className="payout-head">
              <strong>Option {i + 1}</strong>
              <label className="radio">
                <input type="radio" name="default-payout" checked={p.default} onChange={() => makeDefault(i)} /> Default
              </label>
              {payouts.length > 1 && (
                <Button variant="ghost" className="btn-small" onClick={() => remove(i)}>
                  Remove
                </Button>
              )}
            </div>
            <div className="grid-3">
              <Field label="Title" error={at('title')} htmlFor={`${p.key}-title`}>
                <input
                  id={`${p.key}-title`}
                  value={p.title}
                  placeholder="e.g. Standard, VIP"
                  onChange={(e) => update(i, { title: e.target.value })}
                  aria-invalid={!!at('title') || undefined}
                />
              </Field>
              <Field label="Creators earn" htmlFor={`${p.key}-type`}>
                <select
                  id={`${p.key}-type`}
                  value={p.type}
                  onChange={(e) => update(i, { type: e.target.value as PayoutDraft['type'] })}
                >
                  <option value="percent">Percent of the sale</option>
                  <option value="fixed">Fixed amount</option>
                </select>
              </Field>
              <Field
                label={p.type === 'percent' ? 'Percent' : `Amount (${unit})`}
                error={at('value')}
                htmlFor={`${p.key}-value`}
              >
                <div className="input-unit">
                  <input
                    id={`${p.key}-value`}
                    value={p.value}
                    inputMode="decimal"
                    placeholder={p.type === 'percent' ? '10' : '5.00'}
                    onChange={(e) => update(i, { value: e.target.value })}
                    aria-invalid={!!at('value') || undefined}
                  />
                  <span>{unit}</span>
                </div>
              </Field>
            </div>
            {p.tiers.length > 0 && (
              <div className="tiers">
                <p className="hint">
                  Volume tiers: a higher rate once a member reaches a number of approved conversions in a calendar
                  month.
                </p>
                {p.tiers.map((t, j) => {
                  const setTier = (patch: Partial<typeof t>) =>
                    update(i, { tiers: p.tiers.map((x, k) => (k === j ? { ...x, ...patch } : x)) });
                  return (
                    <div className="tier" key={j}>
                      <Field
                        label="From conversion no."
                        error={at(`tiers.${j}.fromConversion`)}
                        htmlFor={`${p.key}-t${j}-from`}
                      >
                        <input
                          id={`${p.key}-t${j}-from`}
                          value={t.fromConversion}
                          inputMode="numeric"
                          placeholder="50"
                          onChange={(e) => setTier({ fromConversion: e.target.value })}
                        />
                      </Field>
                      <Field
                        label={p.type === 'percent' ? 'Percent' : `Amount (${unit})`}
                        error={at(`tiers.${j}.value`)}
                        htmlFor={`${p.key}-t${j}-value`}
                      >
                        <div className="input-unit">
                          <input
                            id={`${p.key}-t${j}-value`}
                            value={t.value}
                            inputMode="decimal"
                            onChange={(e) => setTier({ value: e.target.value })}
                          />
                          <span>{unit}</span>
                        </div>
                      </Field>
                      <Button
                        variant="ghost"
                        className="btn-small tier-remove"
                        onClick={() => update(i, { tiers: p.tiers.filter((_, k) => k !== j) })}
                        aria-label={`Remove tier ${j + 1}`}
                      >
                        Remove
                      </Button>
                    </div>
                  );
                })}
              </div>
            )}
            <Button
              variant="ghost"
              className="btn-small"
              onClick={() => update(i, { tiers: [...p.tiers, { fromConversion: '', value: '' }] })}
            >
              + Add a volume tier
            </Button>
          </div>
        );
      })}
      <Button onClick={() => onChange([...payouts, { ...newPayout(payouts.length === 0), key: newKey('p') }])}>
        + Add a payout option
      </Button>
    </fieldset>
  );
}
