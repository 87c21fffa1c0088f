// Settings → API keys: create one with a name (the key is shown once, in a dialog with a copy button, and never again:
// only its hash is stored), the list with each key's prefix, creation and last use, and revoking with confirmation.
// Keys open the whole admin API as an owner would, so only owners manage them (the server's rule, core/roles.ts).
import { useState, type FormEvent } from 'react';
import { api } from '../../shared/api.js';
import { formatDateTime } from '../../shared/format.js';
import { useResource } from '../../shared/hooks.js';
import { Button, EmptyState, ErrorMessage, Loading, TextField } from '../../shared/ui.js';
import type { ApiKey, ApiKeyCreated } from '../../../src/contract/index.js';
import { useMe, useTimeZone } from '../auth.js';
import { RemoveButton, SecretOnce, ShownOnceDialog, useSettingsForm } from './settings-form.js';
import { SettingsPage } from './settings-nav.js';

export default function ApiKeys() {
  const isOwner = useMe().user.role === 'owner';
  return (
    <SettingsPage subtitle="Keys for scripts and integrations that use the admin API">
      {isOwner ? (
        <KeyList />
      ) : (
        <EmptyState title="Only owners manage API keys">
          An API key can do everything an owner can, so only owners see and create them.
        </EmptyState>
      )}
    </SettingsPage>
  );
}

function KeyList() {
  const timeZone = useTimeZone();
  const keys = useResource((signal) => api.get<{ data: ApiKey[] }>('/api-keys', undefined, signal), []);
  const [name, setName] = useState('');
  const form = useSettingsForm();
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  const create = (e: FormEvent) => {
    e.preventDefault();
    void form.submit(
      name.trim() ? {} : { name: 'Name the key after what will use it, such as "Zapier".' },
      async () => {
        setCreated(await api.post<ApiKeyCreated>('/api-keys', { name: name.trim() }));
        setName('');
        keys.reload();
      },
    );
  };

  const list = keys.data?.data ?? [];
  return (
    <>
      <form className="card" onSubmit={create} noValidate aria-label="Create an API key">
        <h2>Create an API key</h2>
        <div className="inline-form">
          <TextField label="Key name" value={name} onChange={setName} error={form.errors.name} placeholder="Zapier" />
          <Button type="submit" variant="primary" busy={form.busy}>
            Create key
          </Button>
        </div>
        <ErrorMessage error={form.failure} />
      </form>
      <section className="card" aria-label="API keys">
        <h2>API keys</h2>
        {keys.loading && !keys.data && <Loading />}
        <ErrorMessage error={keys.error} onRetry={keys.reload} />
        {keys.data && !list.length && <EmptyState title="No API keys" />}
        {list.length > 0 && (
          <table className="table responsive">
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Created</th>
                <th>Last used</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((k) => (
                <tr key={k.id} data-testid="api-key">
                  <td data-label="Name">{k.name}</td>
                  <td data-label="Key">
                    <code>{k.prefix}…</code>
                  </td>
                  <td data-label="Created">{formatDateTime(k.createdAt, undefined, timeZone)}</td>
                  <td data-label="Last used">
                    {k.lastUsedAt ? formatDateTime(k.lastUsedAt, undefined, timeZone) : 'Never'}
                  </td>
                  <td className="row-actions">
                    {k.revokedAt ? (
                      <span className="badge badge-disabled">
                        Revoked {formatDateTime(k.revokedAt, undefined, timeZone)}
                      </span>
                    ) : (
                      <RemoveButton
                        label="Revoke"
                        title={`Revoke "${k.name}"?`}
                        body={`Whatever uses the key starting ${k.prefix} stops working at once. This cannot be undone.`}
                        confirm="Revoke key"
                        path={`/api-keys/${k.id}`}
                        done={`API key "${k.name}" revoked.`}
                        onRemoved={keys.reload}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <ShownOnceDialog value={created} title="Your new API key" onClose={() => setCreated(null)}>
        {(c) => (
          <>
            <p>
              Copy the key for <strong>{c.name}</strong> now. It is shown only this once: Touchpoint keeps just a
              fingerprint of it.
            </p>
            <SecretOnce text={c.key} what="the API key" testId="new-api-key" />
            <p className="muted small">
              Send it as <code>Authorization: Bearer …</code> to <code>/api/v1</code>.
            </p>
          </>
        )}
      </ShownOnceDialog>
    </>
  );
}
