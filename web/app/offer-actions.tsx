// Pause, resume and archive, each behind a confirmation that says what happens to the creators' links.
import { api } from '../shared/api.js';
import { useConfirm, useToast } from '../shared/dialog.js';
import type { Offer } from '../../src/contract/index.js';
import { Button } from '../shared/ui.js';

type Action = 'pause' | 'resume' | 'archive';

const TEXT: Record<Action, { title: string; body: string; button: string; done: string }> = {
  pause: {
    title: 'Pause this offer?',
    body: 'Links keep working and still send shoppers to the shop, but clicks and sales are not credited and no commission is earned until you resume it.',
    button: 'Pause offer',
    done: 'paused',
  },
  resume: {
    title: 'Resume this offer?',
    body: 'Clicks and sales are credited again from now on. Sales made while it was paused stay uncredited.',
    button: 'Resume offer',
    done: 'resumed',
  },
  archive: {
    title: 'Archive this offer?',
    body: 'It leaves your active list and stops crediting. Nothing is deleted: links keep redirecting, its history stays in reports, and you can resume it later.',
    button: 'Archive offer',
    done: 'archived',
  },
};

export function OfferStatusActions({
  offer,
  onChange,
  compact,
}: {
  offer: Offer;
  onChange: (o: Offer) => void;
  compact?: boolean;
}) {
  const confirm = useConfirm();
  const toast = useToast();
  const ask = (action: Action) =>
    confirm({
      title: TEXT[action].title,
      body: (
        <>
          <p>
            <strong>{offer.name}</strong>
          </p>
          <p>{TEXT[action].body}</p>
        </>
      ),
      confirm: TEXT[action].button,
      danger: action === 'archive',
      action: async () => {
        const updated = await api.post<Offer>(`/offers/${offer.id}/${action}`);
        onChange(updated);
        toast(`“${offer.name}” is ${TEXT[action].done}.`);
      },
    });
  const small = compact ? 'btn-small' : '';
  return (
    <>
      {offer.status === 'active' && (
        <Button className={small} onClick={() => ask('pause')}>
          Pause
        </Button>
      )}
      {offer.status !== 'active' && (
        <Button className={small} onClick={() => ask('resume')}>
          Resume
        </Button>
      )}
      {offer.status !== 'archived' && (
        <Button className={small} variant="ghost" onClick={() => ask('archive')}>
          Archive
        </Button>
      )}
    </>
  );
}
