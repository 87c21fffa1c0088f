// The columns a member import understands (src/app/members.ts COLUMN_ALIASES), for the import preview.
import type { ImportColumn } from '../../shared/import-preview.js';
import type { ProblemDetail } from '../../shared/errors.js';

export const MEMBER_COLUMNS: ImportColumn[] = [
  { field: 'name', label: 'name', names: ['name', 'full_name', 'creator', 'creator_name'], required: true },
  { field: 'email', label: 'email', names: ['email', 'email_address', 'e_mail'] },
  { field: 'instagram', label: 'instagram', names: ['instagram', 'instagram_handle', 'ig'] },
  { field: 'tiktok', label: 'tiktok', names: ['tiktok', 'tiktok_handle'] },
  { field: 'youtube', label: 'youtube', names: ['youtube', 'youtube_channel'] },
  { field: 'reach', label: 'reach', names: ['reach', 'followers'] },
  { field: 'project', label: 'project', names: ['project', 'group'] },
  { field: 'tags', label: 'tags', names: ['tags'] },
  { field: 'external_id', label: 'external_id', names: ['external_id', 'externalid', 'id'] },
];

export const MEMBER_TEMPLATE =
  'name,email,instagram,tiktok,youtube,reach,project,tags,external_id\r\nMarie Dupont,marie@example.com,@marie.d,@mariedupont,,120000,Spring team,beauty;vip,CRM-1042\r\n';

/** What can be seen without the server; everything else (e.g. an email already taken) comes back from the import. */
export function checkMemberRow(value: (field: string) => string): ProblemDetail[] {
  const out: ProblemDetail[] = [];
  if (!value('name').trim()) out.push({ path: 'name', code: 'required', message: 'A member needs a name.' });
  const reach = value('reach').replace(/[,_\s]/g, '');
  if (reach && !/^\d+$/.test(reach))
    out.push({ path: 'reach', code: 'reach_invalid', message: 'Reach is a whole number of followers.' });
  return out;
}
