// Stripe's side of an order: the objects that name it (payment intents, charges, invoices, subscriptions), and the
// lock of a Stripe customer to the order that won its subscription (renewals follow that order's credit).
import type { Kysely, Transaction } from 'kysely';
import type { Database, StripeCustomerTable, StripeObjectTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type StripeCustomerLock = StripeCustomerTable;

/** Keeps what each object names; an object seen before keeps its order and gains what it lacked (order, paid time). */
export async function recordStripeObjects(db: Db, rows: StripeObjectTable[]): Promise<void> {
  for (const row of rows)
    await db
      .insertInto('stripe_objects')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'object_id']).doUpdateSet((eb) => ({
          order_id: eb.fn.coalesce('stripe_objects.order_id', eb.ref('excluded.order_id')),
          customer_id: eb.fn.coalesce('stripe_objects.customer_id', eb.ref('excluded.customer_id')),
          paid_at: eb.fn.coalesce('stripe_objects.paid_at', eb.ref('excluded.paid_at')),
        })),
      )
      .execute();
}

/** The order the first of `refs` that is known names; `known` false when none of them was seen. */
export async function orderOfStripeObjects(
  db: Db,
  workspaceId: string,
  refs: string[],
): Promise<{ known: boolean; orderId: string | null }> {
  if (!refs.length) return { known: false, orderId: null };
  const rows = await db
    .selectFrom('stripe_objects')
    .select(['object_id', 'order_id'])
    .where('workspace_id', '=', workspaceId)
    .where('object_id', 'in', refs)
    .execute();
  for (const ref of refs) {
    const row = rows.find((r) => r.object_id === ref && r.order_id !== null);
    if (row) return { known: true, orderId: row.order_id };
  }
  return { known: rows.length > 0, orderId: null };
}

/** The customer's renewal invoices paid at or before `paidAt`, other than `invoiceId`. */
export async function countEarlierRenewals(
  db: Db,
  workspaceId: string,
  customerId: string,
  invoiceId: string,
  paidAt: number,
): Promise<number> {
  const row = await db
    .selectFrom('stripe_objects')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('kind', '=', 'invoice')
    .where('paid_at', '<=', paidAt)
    .where('object_id', '!=', invoiceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Locks a customer to its first subscription's order; a customer locked before stays as it was. */
export async function lockStripeCustomer(db: Db, lock: StripeCustomerLock): Promise<void> {
  await db
    .insertInto('stripe_customers')
    .values(lock)
    .onConflict((oc) => oc.columns(['workspace_id', 'customer_id']).doNothing())
    .execute();
}

export async function findStripeCustomer(
  db: Db,
  workspaceId: string,
  customerId: string,
): Promise<StripeCustomerLock | undefined> {
  return db
    .selectFrom('stripe_customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
}

/** Marks the locked subscription ended (the first end counts); false when no customer is locked to it. */
export async function endStripeSubscription(
  db: Db,
  workspaceId: string,
  subscriptionId: string,
  endedAt: number,
): Promise<boolean> {
  const r = await db
    .updateTable('stripe_customers')
    .set((eb) => ({ ended_at: eb.fn.coalesce('ended_at', eb.val(endedAt)) }))
    .where('workspace_id', '=', workspaceId)
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
