// "Add members to offer": pick members (by search, or a whole project), a payout option per member, an optional
// deep link each, and whether to generate tracking links and promo codes. One API call does it all.
import { useState } from 'react';
import { api, getAll } from '../../shared/api.js';
import { Dialog } from '../../shared/dialog.js';
import { fieldErrors } from '../../shared/errors.js';
import { describePayout } from '../../shared/format.js';
import { useDebounced, useResource } from '../../shared/hooks.js';
import type { AddMembersResult, Member, Offer, Page } from '../../../src/contract/index.js';
import { Button, Checkbox, ErrorMessage, Field, Loading, Tabs, TextField } from '../../shared/ui.js';
import { handles } from '../members/handles.js';

interface Picked {
  member: Member;
  payoutOptionId: string;
  deepLinkUrl: string;
}

interface Props {
  offer: Offer;
  /** Members already on the offer, with their payout option: adding them again changes it. */
  onOffer: Map<string, string>;
  open: boolean;
  onClose: () => void;
  onDone: (r: AddMembersResult) => void;
}

export function AddMembersDialog({ offer, onOffer, open, onClose, onDone }: Props) {
  const defaultPayout = offer.payoutOptions.find((p) => p.default)?.id ?? offer.payoutOptions[0]?.id ?? '';
  const [mode, setMode] = useState<'search' | 'project'>('search');
  const [typed, setTyped] = useState('');
  const q = useDebounced(typed, 250);
  const [project, setProject] = useState('');
  const [projectState, setProjectState] = useState<{ busy: boolean; found?: number; error?: unknown }>({ busy: false });
  const [picked, setPicked] = useState<Picked[]>([]);
  const [generateLinks, setGenerateLinks] = useState(offer.trackingMethods.includes('link'));
  const [generateCodes, setGenerateCodes] = useState(offer.trackingMethods.includes('code'));
  const [codePattern, setCodePattern] = useState('{NAME}{RAND4}');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const results = useResource(
    (signal) =>
      open && mode === 'search'
        ? api.get<Page<Member>>('/members', { q: q.trim() || undefined, limit: 20 }, signal)
        : Promise.resolve(null),
    [q, mode, open],
  );
  const isPicked = (id: string) => picked.some((p) => p.member.id === id);
  const add = (members: Member[]) =>
    setPicked((cur) => [
      ...cur,
      ...members
        .filter((m) => !cur.some((p) => p.member.id === m.id))
        .map((member) => ({ member, payoutOptionId: onOffer.get(member.id) ?? defaultPayout, deepLinkUrl: '' })),
    ]);
  const toggle = (m: Member) =>
    isPicked(m.id) ? setPicked((cur) => cur.filter((p) => p.member.id !== m.id)) : add([m]);
  const update = (i: number, patch: Partial<Picked>) =>
    setPicked((cur) => cur.map((p, j) => (j === i ? { ...p, ...patch } : p)));

  const findProject = async () => {
    if (!project.trim()) return;
    setProjectState({ busy: true });
    try {
      const members = await getAll<Member>('/members', { project: project.trim() });
      add(members);
      setProjectState({ busy: false, found: members.length });
    } catch (e) {
      setProjectState({ busy: false, error: e });
    }
  };

  const close = () => {
    setPicked([]);
    setError(null);
    setTyped('');
    setProjectState({ busy: false });
    onClose();
  };

  const submit = async () => {
    if (!picked.length) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<AddMembersResult>(`/offers/${offer.id}/members`, {
        members: picked.map((p) => ({
          memberId: p.member.id,
          payoutOptionId: p.payoutOptionId || undefined,
          ...(p.deepLinkUrl.trim() ? { deepLinkUrl: p.deepLinkUrl.trim() } : {}),
        })),
        generateLinks,
        generateCodes,
        ...(generateCodes ? { codePattern: codePattern.trim() || undefined } : {}),
      });
      setPicked([]);
      onDone(r);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const errors = fieldErrors(error);
  // Tiers left out: the option's title and base rate fit a select on a phone.
  const payoutOptions = offer.payoutOptions.map((p) => ({
    value: p.id,
    label: `${p.title} (${describePayout({ ...p, tiers: [] }, offer.currency, offer.conversionType)})`,
  }));
  return (
    <Dialog
      open={open}
      title={`Add members to “${offer.name}”`}
      onClose={close}
      wide
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!picked.length}>
            {picked.length ? `Add ${picked.length} member${picked.length === 1 ? '' : 's'}` : 'Add members'}
          </Button>
        </>
      }
    >
      <Tabs
        label="Pick members"
        value={mode}
        onChange={setMode}
        options={[
          { value: 'search', label: 'Pick members' },
          { value: 'project', label: 'A whole project' },
        ]}
      />
      {mode === 'search' ? (
        <div className="picker">
          <input
            type="search"
            className="search"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            placeholder="Search by name, email or handle"
            aria-label="Search members to add"
          />
          {results.loading && !results.data && <Loading label="Searching…" />}
          <ErrorMessage error={results.error} onRetry={results.reload} />
          {results.data && !results.data.data.length && (
            <p className="muted">
              {q.trim() ? `No member matches “${q.trim()}”.` : 'No members yet. Add or import members first.'}
            </p>
          )}
          <ul className="pick-list">
            {results.data?.data.map((m) => (
              <li key={m.id}>
                <Checkbox
                  checked={isPicked(m.id)}
                  onChange={() => toggle(m)}
                  label={
                    <>
                      <span className="strong">{m.name}</span>{' '}
                      <span className="muted small">{[m.email, handles(m)].filter(Boolean).join(' · ')}</span>
                      {onOffer.has(m.id) && <span className="tag">on this offer</span>}
                    </>
                  }
                />
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <div className="picker">
          <div className="inline-form">
            <TextField
              label="Project or group"
              value={project}
              onChange={setProject}
              placeholder="e.g. Spring team"
              hint="Every member whose project is exactly this."
            />
            <Button onClick={() => void findProject()} busy={projectState.busy}>
              Add everyone in it
            </Button>
          </div>
          {projectState.found !== undefined && (
            <p className="muted">
              {projectState.found
                ? `${projectState.found} member${projectState.found === 1 ? '' : 's'} found and added below.`
                : `Nobody is in the project “${project.trim()}”.`}
            </p>
          )}
          <ErrorMessage error={projectState.error} />
        </div>
      )}

      {picked.length > 0 && (
        <fieldset className="fieldset">
          <legend>{picked.length} selected</legend>
          {payoutOptions.length > 1 && (
            <Field label="Payout option for everyone" htmlFor="payout-all">
              <select
                id="payout-all"
                value=""
                onChange={(e) =>
                  e.target.value && setPicked((cur) => cur.map((p) => ({ ...p, payoutOptionId: e.target.value })))
                }
              >
                <option value="">Set all to…</option>
                {payoutOptions.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </Field>
          )}
          <ul className="picked">
            {picked.map((p, i) => (
              <li key={p.member.id} className="picked-row" data-testid="picked-member">
                <div className="picked-name">
                  <span className="strong">{p.member.name}</span>
                  <button
                    type="button"
                    className="link-button small"
                    onClick={() => toggle(p.member)}
                    aria-label={`Remove ${p.member.name}`}
                  >
                    Remove
                  </button>
                </div>
                <Field label="Payout" htmlFor={`pay-${p.member.id}`} error={errors[`members.${i}.payoutOptionId`]}>
                  <select
                    id={`pay-${p.member.id}`}
                    value={p.payoutOptionId}
                    onChange={(e) => update(i, { payoutOptionId: e.target.value })}
                  >
                    {payoutOptions.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field
                  label="Deep link (optional)"
                  htmlFor={`deep-${p.member.id}`}
                  error={errors[`members.${i}.deepLinkUrl`]}
                >
                  <input
                    id={`deep-${p.member.id}`}
                    value={p.deepLinkUrl}
                    placeholder="A page of the shop"
                    inputMode="url"
                    onChange={(e) => update(i, { deepLinkUrl: e.target.value })}
                  />
                </Field>
              </li>
            ))}
          </ul>
        </fieldset>
      )}

      <fieldset className="fieldset">
        <legend>Generate</legend>
        <Checkbox
          label="A tracking link for each member"
          checked={generateLinks}
          onChange={setGenerateLinks}
          hint="Members who already have one keep it; a deep link always gets a new link."
        />
        <Checkbox
          label="A personal promo code for each member"
          checked={generateCodes}
          onChange={setGenerateCodes}
          hint="Members who already have an active code on this offer keep it."
        />
        {generateCodes && (
          <TextField
            label="Code pattern"
            value={codePattern}
            onChange={setCodePattern}
            error={errors.codePattern}
            hint="{NAME} is the member’s name, {RAND4} four random characters: MARIE7K3Q."
          />
        )}
      </fieldset>
      <ErrorMessage error={error} />
    </Dialog>
  );
}
