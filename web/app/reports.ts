// Headline numbers from the reports API (GET /reports). A server without reports, or a failing report, must not
// take a list page down with it: the caller gets null and shows what the list API itself has.
import { api, type Query } from '../shared/api.js';
import type { Report, ReportGroup, ReportRow } from '../../src/contract/index.js';

export async function loadReport(
  groupBy: ReportGroup,
  query: Query = {},
  signal?: AbortSignal,
): Promise<Report | null> {
  try {
    return await api.get<Report>('/reports', { groupBy, ...query }, signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    return null;
  }
}

export function rowsByKey(report: Report | null): Map<string, ReportRow> {
  return new Map((report?.rows ?? []).map((r) => [r.key, r]));
}
