// Members (creators): search, add one, edit, import many from CSV or XLSX with a preview of each row's problems.
import { useEffect, useRef, useState } from 'react';
import { api } from '../../shared/api.js';
import { useToast } from '../../shared/dialog.js';
import { formatDate, formatNumber } from '../../shared/format.js';
import { useDebounced, useResource } from '../../shared/hooks.js';
import { ImportDialog } from '../../shared/import-preview.js';
import { Link, useQueryParam } from '../../shared/router.js';
import type { Member, Page } from '../../../src/contract/index.js';
import { Button, EmptyState, ErrorMessage, Loading, PageHeader } from '../../shared/ui.js';
import { useCanEdit, useTimeZone } from '../auth.js';
import { MemberDialog } from '../members/member-dialog.js';
import { handles } from '../members/handles.js';
import { checkMemberRow, MEMBER_COLUMNS, MEMBER_TEMPLATE } from '../members/member-columns.js';
import type { PageProps } from '../../shared/routes.js';

function downloadTemplate() {
  const url = URL.createObjectURL(new Blob([MEMBER_TEMPLATE], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'members-template.csv';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export default function Members(_: PageProps) {
  const canEdit = useCanEdit();
  const timeZone = useTimeZone();
  const toast = useToast();
  const [q, setQ] = useQueryParam('q');
  const [typed, setTyped] = useState(q);
  const search = useDebounced(typed, 300);
  const [more, setMore] = useState<{ members: Member[]; cursor: string | null } | null>(null);
  const [dialog, setDialog] = useState<
    { kind: 'create' } | { kind: 'edit'; member: Member } | { kind: 'import' } | null
  >(null);

  // The debounced search goes to the URL; the URL's own changes (back, a link) do not flow back into it here.
  const shownQuery = useRef(q);
  shownQuery.current = q;
  useEffect(() => {
    if (search !== shownQuery.current) setQ(search);
  }, [search, setQ]);
  const list = useResource(
    async (signal) => {
      setMore(null);
      return api.get<Page<Member>>('/members', { q: search.trim() || undefined, limit: 50 }, signal);
    },
    [search],
  );

  const members = [...(list.data?.data ?? []), ...(more?.members ?? [])];
  const cursor = more ? more.cursor : (list.data?.nextCursor ?? null);
  const loadMore = async () => {
    const page = await api.get<Page<Member>>('/members', { q: search.trim() || undefined, limit: 50, cursor });
    setMore({ members: [...(more?.members ?? []), ...page.data], cursor: page.nextCursor });
  };

  return (
    <>
      <PageHeader
        title="Members"
        subtitle="The creators, affiliates and partners who promote your offers"
        zone={timeZone}
        actions={
          canEdit && (
            <>
              <Button onClick={() => setDialog({ kind: 'import' })}>Import</Button>
              <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
                Add member
              </Button>
            </>
          )
        }
      />
      <div className="toolbar">
        <input
          type="search"
          className="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder="Search by name, email or handle"
          aria-label="Search members"
        />
      </div>
      {list.loading && !list.data && <Loading label="Loading members…" />}
      <ErrorMessage error={list.error} onRetry={list.reload} />
      {list.data &&
        !members.length &&
        (search.trim() ? (
          <EmptyState title="No member matches">
            Nobody’s name, email or handle contains “{search.trim()}”. Check the spelling or clear the search.
          </EmptyState>
        ) : (
          <EmptyState
            title="No members yet"
            action={
              canEdit && (
                <div className="actions">
                  <Button onClick={() => setDialog({ kind: 'import' })}>Import a spreadsheet</Button>
                  <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
                    Add a member
                  </Button>
                </div>
              )
            }
          >
            Members are the creators who promote your offers. Add them one by one or import a list.
          </EmptyState>
        ))}
      {members.length > 0 && (
        <div className="table-wrap">
          <table className="table responsive">
            <thead>
              <tr>
                <th>Name</th>
                <th>Handles</th>
                <th className="num">Reach</th>
                <th>Project</th>
                <th>Tags</th>
                <th>Added</th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.id}>
                  <td data-label="Name">
                    <Link to={`/members/${m.id}`} className="strong">
                      {m.name}
                    </Link>
                    {canEdit && (
                      <>
                        {' '}
                        <button
                          type="button"
                          className="link-button small"
                          aria-label={`Edit ${m.name}`}
                          onClick={() => setDialog({ kind: 'edit', member: m })}
                        >
                          Edit
                        </button>
                      </>
                    )}
                    {m.email && <div className="muted small">{m.email}</div>}
                  </td>
                  <td data-label="Handles" className="small">
                    {handles(m) || '—'}
                  </td>
                  <td data-label="Reach" className="num">
                    {formatNumber(m.reach)}
                  </td>
                  <td data-label="Project">{m.project ?? '—'}</td>
                  <td data-label="Tags">
                    {m.tags.length ? (
                      // One box, so a phone's card row keeps the tags together instead of spreading them out.
                      <span className="tag-list">
                        {m.tags.map((t) => (
                          <span key={t} className="tag">
                            {t}
                          </span>
                        ))}
                      </span>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label="Added" className="small">
                    {formatDate(m.createdAt, undefined, timeZone)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div className="more">
          <Button onClick={() => void loadMore()}>Show more members</Button>
        </div>
      )}

      {(dialog?.kind === 'create' || dialog?.kind === 'edit') && (
        <MemberDialog
          key={dialog.kind === 'edit' ? dialog.member.id : 'new'}
          open
          member={dialog.kind === 'edit' ? dialog.member : undefined}
          onClose={() => setDialog(null)}
          onSaved={(m) => {
            setDialog(null);
            toast(dialog.kind === 'edit' ? `${m.name} is saved.` : `${m.name} is added.`);
            list.reload();
          }}
        />
      )}
      <ImportDialog
        open={dialog?.kind === 'import'}
        onClose={() => setDialog(null)}
        title="Import members"
        intro={
          <p>
            One member per row, with a <code>name</code> column and any of <code>email</code>, <code>instagram</code>,{' '}
            <code>tiktok</code>, <code>youtube</code>, <code>reach</code>, <code>project</code>, <code>tags</code>,{' '}
            <code>external_id</code>. A row whose email or external id is already known updates that member. Nothing is
            imported until every row is right.{' '}
            <button type="button" className="link-button" onClick={downloadTemplate}>
              Download a template
            </button>
          </p>
        }
        columns={MEMBER_COLUMNS}
        checkRow={checkMemberRow}
        upload={(file, type) => api.upload<{ created: number; updated: number }>('/members/import', file, type)}
        onDone={(r) => {
          setDialog(null);
          toast(`Imported: ${r.created} new member${r.created === 1 ? '' : 's'}, ${r.updated} updated.`);
          list.reload();
        }}
      />
    </>
  );
}
