// The Reports page's promo-code filter.
import { useEffect, useState } from 'react';
import { api } from '../../shared/api.js';
import { friendlyMessage } from '../../shared/errors.js';
import { useResource } from '../../shared/hooks.js';
import type { Code, Member, Offer, Page } from '../../../src/contract/index.js';
import { Field, SelectField } from '../../shared/ui.js';

/**
 * The promo-code filter. A workspace can hold thousands of codes, too many for a select, so the marketer types the
 * code (as printed on the creator's post) and it is looked up on Enter or when the field is left. A code string can
 * belong to several codes over time (a disabled code's string may be issued again), so more than one match asks which.
 */
export function CodeFilter({
  codeId,
  onChange,
  offers,
  members,
}: {
  codeId: string;
  onChange: (id: string) => void;
  offers: Offer[];
  members: Member[];
}) {
  // The code of an id that came in the address (a bookmark, an alert's "Open in Reports").
  const chosen = useResource(
    async (signal) => (codeId ? api.get<Code>(`/codes/${encodeURIComponent(codeId)}`, undefined, signal) : null),
    [codeId],
  );
  const [text, setText] = useState('');
  const [matches, setMatches] = useState<Code[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    if (chosen.data) setText(chosen.data.code);
    else if (!codeId) setText('');
  }, [chosen.data, codeId]);
  useEffect(() => {
    if (chosen.error) setError('That promo code is not in this workspace any more.');
  }, [chosen.error]);

  const lookUp = async () => {
    const wanted = text.trim();
    setMatches([]);
    setError('');
    if (!wanted) return onChange('');
    if (chosen.data && chosen.data.code.toLowerCase() === wanted.toLowerCase()) return;
    try {
      const page = await api.get<Page<Code>>('/codes', { code: wanted, limit: 50 });
      if (page.data.length === 0) setError(`No promo code “${wanted}” in this workspace.`);
      else if (page.data.length === 1) onChange(page.data[0]!.id);
      else setMatches(page.data);
    } catch (e) {
      setError(friendlyMessage(e));
    }
  };
  const describe = (c: Code) => {
    const who = c.memberId ? (members.find((m) => m.id === c.memberId)?.name ?? 'a member') : 'generic';
    const offer = offers.find((o) => o.id === c.offerId)?.name ?? 'an offer';
    return `${c.code} · ${who} · ${offer} · ${c.status}`;
  };

  return (
    <>
      <Field label="Promo code" htmlFor="report-code" error={error || undefined}>
        <input
          id="report-code"
          type="search"
          value={text}
          placeholder="Any code"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={!!error || undefined}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => void lookUp()}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void lookUp();
            }
          }}
        />
      </Field>
      {matches.length > 1 && (
        <SelectField
          label={`Which ${matches[0]!.code}?`}
          value=""
          onChange={(id) => {
            setMatches([]);
            onChange(id);
          }}
          options={[
            { value: '', label: `${matches.length} codes match` },
            ...matches.map((c) => ({ value: c.id, label: describe(c) })),
          ]}
        />
      )}
    </>
  );
}
