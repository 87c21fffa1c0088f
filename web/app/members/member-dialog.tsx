// Create or edit one member.
import { useState } from 'react';
import { api } from '../../shared/api.js';
import { Dialog } from '../../shared/dialog.js';
import { fieldErrors } from '../../shared/errors.js';
import type { Member } from '../../../src/contract/index.js';
import { Button, ErrorMessage, TextField } from '../../shared/ui.js';

interface Form {
  name: string;
  email: string;
  instagram: string;
  tiktok: string;
  youtube: string;
  reach: string;
  project: string;
  tags: string;
  externalId: string;
}

const formOf = (m?: Member): Form => ({
  name: m?.name ?? '',
  email: m?.email ?? '',
  instagram: m?.instagram ?? '',
  tiktok: m?.tiktok ?? '',
  youtube: m?.youtube ?? '',
  reach: m?.reach === null || m?.reach === undefined ? '' : String(m.reach),
  project: m?.project ?? '',
  tags: m?.tags.join(', ') ?? '',
  externalId: m?.externalId ?? '',
});

export function MemberDialog({
  member,
  open,
  onClose,
  onSaved,
}: {
  member?: Member;
  open: boolean;
  onClose: () => void;
  onSaved: (m: Member) => void;
}) {
  const [form, setForm] = useState<Form>(() => formOf(member));
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (k: keyof Form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const save = async () => {
    const problems: Record<string, string> = {};
    if (!form.name.trim()) problems.name = 'A member needs a name.';
    const reach = form.reach.replace(/[,_\s]/g, '');
    if (reach && !/^\d+$/.test(reach)) problems.reach = 'A whole number of followers, e.g. 120000.';
    setLocal(problems);
    if (Object.keys(problems).length) return;
    const text = (v: string) => v.trim() || null;
    const body = {
      name: form.name.trim(),
      email: text(form.email),
      instagram: text(form.instagram),
      tiktok: text(form.tiktok),
      youtube: text(form.youtube),
      reach: reach ? Number(reach) : null,
      project: text(form.project),
      externalId: text(form.externalId),
      tags: form.tags
        .split(/[,;]/)
        .map((t) => t.trim())
        .filter(Boolean),
    };
    setBusy(true);
    setError(null);
    try {
      const saved = member
        ? await api.patch<Member>(`/members/${member.id}`, body)
        : await api.post<Member>('/members', body);
      setForm(formOf());
      onSaved(saved);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const fields = { ...fieldErrors(error), ...local };
  return (
    <Dialog
      open={open}
      title={member ? `Edit ${member.name}` : 'Add a member'}
      onClose={onClose}
      onSubmit={() => void save()}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy}>
            {member ? 'Save' : 'Add member'}
          </Button>
        </>
      }
    >
      <TextField label="Name" value={form.name} onChange={set('name')} error={fields.name} autoFocus />
      <TextField
        label="Email"
        type="email"
        value={form.email}
        onChange={set('email')}
        error={fields.email}
        hint="Where links, codes and portal access are sent."
      />
      <div className="grid-3">
        <TextField
          label="Instagram"
          value={form.instagram}
          onChange={set('instagram')}
          error={fields.instagram}
          placeholder="@handle"
        />
        <TextField
          label="TikTok"
          value={form.tiktok}
          onChange={set('tiktok')}
          error={fields.tiktok}
          placeholder="@handle"
        />
        <TextField label="YouTube" value={form.youtube} onChange={set('youtube')} error={fields.youtube} />
      </div>
      <div className="grid-2">
        <TextField
          label="Reach (followers)"
          value={form.reach}
          onChange={set('reach')}
          error={fields.reach}
          inputMode="numeric"
        />
        <TextField label="Project or group" value={form.project} onChange={set('project')} error={fields.project} />
      </div>
      <div className="grid-2">
        <TextField
          label="Tags"
          value={form.tags}
          onChange={set('tags')}
          error={fields.tags}
          hint="Separated by commas."
        />
        <TextField
          label="External id"
          value={form.externalId}
          onChange={set('externalId')}
          error={fields.externalId}
          hint="Your CRM’s id; imports match on it."
        />
      </div>
      <ErrorMessage error={error} />
    </Dialog>
  );
}
