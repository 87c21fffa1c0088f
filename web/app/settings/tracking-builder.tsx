// The postback builder: an offer, a click id or promo code, an order → a ready URL to paste into a test request.
// The sale it describes also fills the signed, tag and network examples further down the page.
import { useEffect, useState } from 'react';
import { getAll } from '../../shared/api.js';
import { useResource } from '../../shared/hooks.js';
import { Checkbox, SelectField, TextField } from '../../shared/ui.js';
import type { Offer, OfferMember } from '../../../src/contract/index.js';
import { Snippet } from './snippet.js';
import { postbackUrl, type SaleExample, type SnippetContext } from './tracking-snippets.js';

export type BuilderSale = SaleExample;
type CreditBy = 'code' | 'click';
const TYPED = '__typed__';

export function PostbackBuilder({
  ctx,
  offers,
  currency: workspaceCurrency,
  onChange,
}: {
  ctx: SnippetContext;
  offers: Offer[];
  currency: string;
  onChange: (sale: SaleExample) => void;
}) {
  const [offerId, setOfferId] = useState(offers[0]?.id ?? '');
  const offer = offers.find((o) => o.id === offerId);
  const [by, setBy] = useState<CreditBy>('code');
  const [picked, setPicked] = useState('');
  const [typedCode, setTypedCode] = useState('');
  const [click, setClick] = useState('');
  const [amount, setAmount] = useState('49.90');
  const [currency, setCurrency] = useState(offer?.currency ?? workspaceCurrency);
  const [order, setOrder] = useState('ORDER-1001');
  const [test, setTest] = useState(true);

  // The offer's members with their codes, so a code is picked by who it belongs to.
  const codes = useResource(async () => {
    if (!offerId) return [];
    const members = await getAll<OfferMember>(`/offers/${offerId}/members`, {}, 500);
    return members.flatMap((m) =>
      m.codes.filter((c) => c.status === 'active').map((c) => ({ code: c.code, member: m.member.name })),
    );
  }, [offerId]);
  const codeList = codes.data ?? [];
  const choice = picked || codeList[0]?.code || TYPED;
  const code = choice === TYPED ? typedCode : choice;

  const sale: SaleExample = {
    offer: offerId,
    ...(by === 'code' ? { code } : { click }),
    amount,
    currency,
    order,
    test,
  };
  const key = JSON.stringify(sale);
  useEffect(() => onChange(JSON.parse(key) as SaleExample), [key, onChange]);

  return (
    <div className="postback-builder" data-testid="postback-builder">
      <h3>Build a test postback</h3>
      <div className="grid-2 builder-grid">
        <SelectField
          label="Offer"
          value={offerId}
          onChange={(id) => {
            setOfferId(id);
            setPicked('');
            const next = offers.find((o) => o.id === id);
            if (next) setCurrency(next.currency);
          }}
          options={
            offers.length
              ? offers.map((o) => ({ value: o.id, label: o.name }))
              : [{ value: '', label: 'No active offer yet' }]
          }
        />
        <SelectField
          label="Credit the sale by"
          value={by}
          onChange={setBy}
          options={[
            { value: 'code', label: 'Promo code' },
            { value: 'click', label: 'Click id (tp_click)' },
          ]}
        />
        {by === 'code' ? (
          <>
            <SelectField
              label="Promo code"
              hint={codes.loading ? 'Loading the offer’s codes…' : undefined}
              value={choice}
              onChange={setPicked}
              options={[
                ...codeList.map((c) => ({ value: c.code, label: `${c.code} — ${c.member}` })),
                { value: TYPED, label: 'Type a code…' },
              ]}
            />
            {choice === TYPED && (
              <TextField label="Code" value={typedCode} onChange={setTypedCode} placeholder="MARIE10" />
            )}
          </>
        ) : (
          <TextField
            label="Click id"
            hint="The tp_click value a creator’s link added to your landing page."
            value={click}
            onChange={setClick}
          />
        )}
        <TextField label="Amount" inputMode="decimal" value={amount} onChange={setAmount} />
        <TextField label="Currency" value={currency} onChange={(v) => setCurrency(v.toUpperCase())} />
        <TextField label="Order id" value={order} onChange={setOrder} />
      </div>
      <Checkbox
        label="Test order (test=1)"
        hint="Kept apart from real orders and listed on Tracking check."
        checked={test}
        onChange={setTest}
      />
      <Snippet label="Ready to use" text={postbackUrl(ctx, sale)} what="built postback URL" />
    </div>
  );
}
