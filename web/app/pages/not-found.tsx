import { Link } from '../../shared/router.js';
import { EmptyState } from '../../shared/ui.js';
import type { PageProps } from '../../shared/routes.js';

export default function NotFound(_: PageProps) {
  return (
    <EmptyState
      title="There is no page here"
      action={
        <Link to="/offers" className="btn btn-primary">
          Go to your offers
        </Link>
      }
    >
      The address may be mistyped, or the page has moved.
    </EmptyState>
  );
}
