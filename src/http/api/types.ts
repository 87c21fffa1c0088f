import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

/** A Fastify instance whose routes infer request types from their TypeBox schemas. */
export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** File uploads (CSV/XLSX) arrive as raw bodies; the schema only documents them. */
export const fileBody = {
  consumes: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  body: { type: 'string', format: 'binary', description: 'The CSV or XLSX file as the raw request body.' },
} as const;

export const acceptAnyBody = () => () => true;

/** The uploaded file: a Buffer from the CSV/XLSX parsers, or a string from Fastify's own text/plain parser. */
export function fileBuffer(body: unknown): Buffer | null {
  if (Buffer.isBuffer(body)) return body;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : null;
}
