// Settings → Team: who can sign in to the dashboard and with what role; invite by email (the server emails a setup
// link; the one it answers is shown once, for when email does not arrive); change a role; remove someone. The server
// keeps at least one owner (last_owner), and says so next to the row. People are the keys to the house: only owners
// manage them (core/roles.ts), so other roles see why the page is empty.
import { useState, type FormEvent } from 'react';
import { api } from '../../shared/api.js';
import { useToast } from '../../shared/dialog.js';
import { friendlyMessage, fieldErrors } from '../../shared/errors.js';
import { formatDateTime } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { EmptyState, ErrorMessage, Loading, SelectField, TextField } from '../../shared/ui.js';
import type { Role, UserCreated, UserItem } from '../../../src/contract/index.js';
import { useMe, useTimeZone } from '../auth.js';
import { FormActions, RemoveButton, SecretOnce, ShownOnceDialog, useSettingsForm } from './settings-form.js';
import { SettingsPage } from './settings-nav.js';

const ROLES: { value: Role; label: string }[] = [
  { value: 'owner', label: 'Owner' },
  { value: 'manager', label: 'Manager' },
  { value: 'viewer', label: 'Viewer' },
];
const ROLE_HINT = 'Owners: everything. Managers: everything but the team and API keys. Viewers: read only.';

export default function Team() {
  const isOwner = useMe().user.role === 'owner';
  return (
    <SettingsPage subtitle="Who can sign in to this dashboard, and what they may do">
      {isOwner ? (
        <TeamList />
      ) : (
        <EmptyState title="Only owners manage the team">{ROLE_HINT} Ask an owner to invite someone.</EmptyState>
      )}
    </SettingsPage>
  );
}

function TeamList() {
  const me = useMe().user;
  const timeZone = useTimeZone();
  const toast = useToast();
  const users = useResource((signal) => api.get<{ data: UserItem[] }>('/users', undefined, signal), []);
  /** The server's refusal for one row (the last owner), shown next to that row. */
  const [rowError, setRowError] = useState<{ id: string; text: string } | null>(null);
  const [invited, setInvited] = useState<UserCreated | null>(null);

  const changeRole = async (u: UserItem, role: Role) => {
    setRowError(null);
    try {
      await api.patch<UserItem>(`/users/${u.id}`, { role });
      toast(`${u.name} is now ${ROLES.find((r) => r.value === role)!.label.toLowerCase()}.`);
    } catch (e) {
      setRowError({ id: u.id, text: friendlyMessage(e) });
    }
    users.reload();
  };
  const list = users.data?.data ?? [];
  return (
    <>
      <InviteForm
        onInvited={(x) => {
          setInvited(x);
          users.reload();
        }}
      />
      <section className="card" aria-label="Team">
        <h2>Team</h2>
        <p className="muted small">{ROLE_HINT}</p>
        {users.loading && !users.data && <Loading />}
        <ErrorMessage error={users.error} onRetry={users.reload} />
        {list.length > 0 && (
          <table className="table responsive">
            <thead>
              <tr>
                <th>Name</th>
                <th>Role</th>
                <th>Signed in</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => (
                <tr key={u.id} data-testid="team-member">
                  <td data-label="Name">
                    <div>
                      <strong>{u.name}</strong>
                      {u.id === me.id && <span className="muted"> (you)</span>}
                    </div>
                    <div className="muted small">{u.email}</div>
                    {rowError?.id === u.id && (
                      <p className="field-error" role="alert">
                        {rowError.text}
                      </p>
                    )}
                  </td>
                  <td data-label="Role">
                    <select
                      aria-label={`Role of ${u.name}`}
                      value={u.role}
                      onChange={(e) => void changeRole(u, e.target.value as Role)}
                    >
                      {ROLES.map((r) => (
                        <option key={r.value} value={r.value}>
                          {r.label}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td data-label="Signed in">
                    {u.invited
                      ? 'Invited, not signed in yet'
                      : u.lastLoginAt
                        ? formatDateTime(u.lastLoginAt, undefined, timeZone)
                        : 'Never'}
                  </td>
                  <td className="row-actions">
                    <RemoveButton
                      label="Remove"
                      title={`Remove ${u.name}?`}
                      body={
                        u.id === me.id
                          ? 'You will be signed out and cannot sign in to this workspace again unless an owner invites you.'
                          : `${u.email} will be signed out and can no longer sign in to this workspace.`
                      }
                      confirm="Remove"
                      path={`/users/${u.id}`}
                      done={`${u.name} removed.`}
                      onRemoved={users.reload}
                      onAsk={() => setRowError(null)}
                      onFailure={(e) => setRowError({ id: u.id, text: friendlyMessage(e) })}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <ShownOnceDialog value={invited} title="Invitation sent" onClose={() => setInvited(null)}>
        {(x) => (
          <>
            <p>
              We emailed a setup link to <strong>{x.user.email}</strong>. It works once, until{' '}
              {formatDateTime(x.expiresAt, undefined, timeZone)}.
            </p>
            <p className="muted small">
              If the email does not arrive, send them this link yourself. It is shown only now; to send another, use a
              new invitation link later.
            </p>
            <SecretOnce text={x.setupUrl} what="the setup link" />
          </>
        )}
      </ShownOnceDialog>
    </>
  );
}

function InviteForm({ onInvited }: { onInvited: (x: UserCreated) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const form = useSettingsForm(inviteFieldErrors);
  const invite = (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!email.includes('@')) local.email = 'An email address, such as marie@brand.com.';
    if (!name.trim()) local.name = 'Their name, as the team will see it.';
    void form.submit(local, async () => {
      onInvited(await api.post<UserCreated>('/users', { email: email.trim(), name: name.trim(), role }));
      setEmail('');
      setName('');
    });
  };
  const { errors } = form;
  return (
    <form className="card" onSubmit={invite} noValidate aria-label="Invite someone">
      <h2>Invite someone</h2>
      <div className="grid-3">
        <TextField label="Email" type="email" value={email} onChange={setEmail} error={errors.email} />
        <TextField label="Name" value={name} onChange={setName} error={errors.name} />
        <SelectField label="Role" value={role} onChange={setRole} options={ROLES} error={errors.role} />
      </div>
      <FormActions failure={form.failure} busy={form.busy} label="Send invitation" />
    </form>
  );
}

/** The server's refusal by field; a taken address is about the email field, though the API answers it without a path. */
function inviteFieldErrors(err: unknown): Record<string, string> {
  const byField = fieldErrors(err);
  if ((err as { code?: string }).code === 'email_taken')
    byField.email = 'Someone with this email address is already on the team (or on another workspace).';
  return byField;
}
