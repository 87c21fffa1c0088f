import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import type { Database } from './schema.js';

export interface AuditEntry {
  workspaceId: string;
  actor: string;
  entity:
    | 'offer'
    | 'payout_option'
    | 'member'
    | 'link'
    | 'promo_code'
    | 'api_key'
    | 'workspace'
    | 'user'
    | 'alert'
    | 'conversion';
  entityId: string;
  action: string;
  detail?: unknown;
  now: number;
}

/** Every change a person makes leaves a row: who, when, what, and the values before and after. */
export async function recordAudit(db: Kysely<Database>, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId('aud', e.now),
      workspace_id: e.workspaceId,
      actor: e.actor,
      entity: e.entity,
      entity_id: e.entityId,
      action: e.action,
      detail: JSON.stringify(e.detail ?? {}),
      created_at: e.now,
    })
    .execute();
}
