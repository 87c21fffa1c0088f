// The Reports page's exports: CSV and Excel of exactly the report shown (GET /reports/export with the same query).
import { download, type Query } from '../../shared/api.js';
import { useAction } from '../../shared/hooks.js';
import { Button } from '../../shared/ui.js';

/** The export action of a report query; its error is shown by the page, under its header. */
export function useReportExport(query: Query) {
  return useAction((format: 'csv' | 'xlsx') => download('/reports/export', { ...query, format }, `report.${format}`));
}

export function ExportButtons({
  exporter,
  disabled,
}: {
  exporter: ReturnType<typeof useReportExport>;
  disabled: boolean;
}) {
  return (
    <>
      <Button onClick={() => void exporter.run('csv')} disabled={exporter.busy || disabled}>
        Export CSV
      </Button>
      <Button onClick={() => void exporter.run('xlsx')} disabled={exporter.busy || disabled}>
        Export Excel
      </Button>
    </>
  );
}
