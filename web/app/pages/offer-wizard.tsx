// Create or edit an offer in three steps: details; tracking and commission; settings. Nothing is saved until the
// last step; checks that need no server run before "Next", the server's answer is shown at the field it names.
import { useEffect, useState } from 'react';
import { api } from '../../shared/api.js';
import { useToast } from '../../shared/dialog.js';
import { ApiError, fieldErrors } from '../../shared/errors.js';
import { useResource } from '../../shared/hooks.js';
import { usePageTitle } from '../../shared/title.js';
import { Link, navigate } from '../../shared/router.js';
import type { Offer, PayoutOption } from '../../../src/contract/index.js';
import { Button, EmptyState, ErrorMessage, Loading, PageHeader } from '../../shared/ui.js';
import { useCanEdit } from '../auth.js';
import {
  checkStep,
  createBody,
  draftFromOffer,
  emptyDraft,
  payoutPlan,
  settingsPatch,
  stepOfField,
  STEPS,
  type OfferDraft,
} from '../offer-form.js';
import { DetailsStep, SettingsStep, TrackingStep } from '../offer-steps.js';
import type { PageProps } from '../../shared/routes.js';

/** The API names a UTM error by parameter ("utm.utm_source"); the form shows it on that row. */
function utmErrorsByRow(errors: Record<string, string>, draft: OfferDraft): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) {
    const m = /^utm\.(.+)$/.exec(path);
    const row = m ? draft.utm.findIndex((u) => u.name.trim() === m[1]) : -1;
    out[row >= 0 ? `utm.${row}` : path] = message;
  }
  return out;
}

/** Errors of a payout-option call are about that option: prefix them as the create call would. */
function prefixed(e: unknown, index: number): unknown {
  if (!(e instanceof ApiError)) return e;
  return new ApiError(
    e.status,
    e.code,
    e.message,
    e.details.map((d) => ({ ...d, path: `payoutOptions.${index}${d.path ? `.${d.path}` : ''}` })),
  );
}

export default function OfferWizard({ params }: PageProps) {
  const id = params.id;
  const canEdit = useCanEdit();
  const toast = useToast();
  const saved = useResource(
    (signal) => (id ? api.get<Offer>(`/offers/${id}`, undefined, signal) : Promise.resolve(null)),
    [id],
  );
  const workspace = useResource(
    (signal) =>
      api
        .get<{ currency: string; timezone: string; defaultHoldDays: number }>('/workspace', undefined, signal)
        .catch(() => null),
    [],
  );
  usePageTitle(saved.data ? `Edit ${saved.data.name}` : undefined);
  const [draft, setDraft] = useState<OfferDraft | null>(null);
  const [step, setStep] = useState(0);
  /** The server's verdict on the last save, shown until the next one. */
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  /** Steps that failed "Next" once: their checks then run as the person types, so fixed fields clear at once. */
  const [checked, setChecked] = useState<Set<number>>(new Set());
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    // Only the first load fills the form; a later refresh of the saved offer must not wipe what is being edited.
    // The end date is a day in the workspace's zone: wait for it (or for its failure) before filling the form.
    if (saved.data && !workspace.loading) setDraft((d) => d ?? draftFromOffer(saved.data!, workspace.data?.timezone));
    // A new offer starts with the workspace's default hold (Settings → Workspace), so it waits for the workspace too.
    if (!id && !workspace.loading) setDraft((d) => d ?? emptyDraft(workspace.data?.defaultHoldDays));
  }, [id, saved.data, workspace.loading, workspace.data]);

  if (!canEdit)
    return (
      <EmptyState title="You can look, not change">
        Your role can see offers but not create or edit them. Ask an owner of the workspace if you need to.
      </EmptyState>
    );
  if (saved.error) return <ErrorMessage error={saved.error} onRetry={saved.reload} />;
  if (!draft) return <Loading label="Loading the offer…" />;

  const set = (patch: Partial<OfferDraft>) => setDraft((d) => ({ ...d!, ...patch }));
  const defaultCurrency = workspace.data?.currency ?? '';
  const timeZone = workspace.data?.timezone;
  const errors = { ...serverErrors, ...(checked.has(step) ? checkStep(step, draft) : {}) };
  /** The first step from `from` up to (not including) `to` whose checks fail, marked as checked. */
  const firstInvalid = (from: number, to: number): number | null => {
    for (let s = from; s < to; s++) {
      if (Object.keys(checkStep(s, draft)).length) {
        setChecked((c) => new Set(c).add(s));
        return s;
      }
    }
    return null;
  };
  const go = (target: number) => {
    // Moving forward checks the steps in between; going back never blocks.
    const bad = firstInvalid(step, target);
    setStep(bad ?? target);
  };

  const showServerError = (e: unknown) => {
    const fields = utmErrorsByRow(fieldErrors(e), draft);
    setServerErrors(fields);
    setFailure(e);
    const first = Object.keys(fields)[0];
    if (first) setStep(stepOfField(first));
  };

  const save = async () => {
    const bad = firstInvalid(0, STEPS.length);
    if (bad !== null) return setStep(bad);
    setSaving(true);
    setFailure(null);
    setServerErrors({});
    try {
      if (!saved.data) {
        const offer = await api.post<Offer>('/offers', createBody(draft, timeZone));
        toast(`“${offer.name}” is created. Now add the creators who will promote it.`);
        navigate(`/offers/${offer.id}`, { replace: true });
        return;
      }
      const offerId = saved.data.id;
      const patch = settingsPatch(saved.data, draft, timeZone);
      if (Object.keys(patch).length) await api.patch<Offer>(`/offers/${offerId}`, patch);
      // Payout options have their own calls; each change is kept in the offer's history.
      const plan = payoutPlan(saved.data.payoutOptions, draft.payouts);
      let payouts = draft.payouts;
      for (const a of plan.add) {
        const created = await api
          .post<PayoutOption>(`/offers/${offerId}/payout-options`, a.body)
          .catch((e: unknown) => Promise.reject(prefixed(e, a.index)));
        // Remembered at once, so that saving again after a later failure does not add it twice.
        payouts = payouts.map((p, j) => (j === a.index ? { ...p, id: created.id } : p));
        setDraft((d) => ({ ...d!, payouts }));
      }
      for (const u of plan.update)
        await api
          .patch(`/offers/${offerId}/payout-options/${u.id}`, u.body)
          .catch((e: unknown) => Promise.reject(prefixed(e, u.index)));
      for (const r of plan.remove) await api.delete(`/offers/${offerId}/payout-options/${r}`);
      toast('Changes saved. New payout rates apply to conversions from now on.');
      navigate(`/offers/${offerId}`, { replace: true });
    } catch (e) {
      showServerError(e);
      // Part of an edit may have been saved before the failing call: the next save compares with what now is.
      if (saved.data) api.get<Offer>(`/offers/${saved.data.id}`).then(saved.set, () => {});
    } finally {
      setSaving(false);
    }
  };

  const StepBody = [DetailsStep, TrackingStep, SettingsStep][step]!;
  const last = step === STEPS.length - 1;
  const stepsWithErrors = new Set([
    ...Object.keys(serverErrors).map(stepOfField),
    ...[...checked].filter((s) => Object.keys(checkStep(s, draft)).length > 0),
  ]);
  return (
    <>
      <PageHeader
        title={saved.data ? `Edit “${saved.data.name}”` : 'New offer'}
        back={
          <Link to={saved.data ? `/offers/${saved.data.id}` : '/offers'}>
            ← {saved.data ? 'Back to the offer' : 'Offers'}
          </Link>
        }
      />
      <ol className="stepper" aria-label="Steps">
        {STEPS.map((title, i) => (
          <li
            key={title}
            className={i === step ? 'current' : i < step ? 'done' : ''}
            aria-current={i === step ? 'step' : undefined}
          >
            <button type="button" onClick={() => go(i)} className={stepsWithErrors.has(i) ? 'has-error' : ''}>
              <span className="step-no">{i + 1}</span> <span className="step-title">{title}</span>
            </button>
          </li>
        ))}
      </ol>
      <form
        className="card form-page"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (last) void save();
          else go(step + 1);
        }}
      >
        <h2>{STEPS[step]}</h2>
        <StepBody draft={draft} set={set} errors={errors} defaultCurrency={defaultCurrency} timeZone={timeZone} />
        <ErrorMessage error={failure} />
        <div className="form-actions">
          {step > 0 && <Button onClick={() => go(step - 1)}>Back</Button>}
          <span className="spacer" />
          <Button type="submit" variant="primary" busy={saving}>
            {last ? (saved.data ? 'Save changes' : 'Create offer') : 'Next'}
          </Button>
        </div>
      </form>
    </>
  );
}
