// Dialogs on the native <dialog> element: the browser traps focus, closes on Escape and restores focus after.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  type FormEvent,
  type ReactNode,
} from 'react';
import { createPortal } from 'react-dom';
import { Button, ErrorMessage } from './ui.js';

export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
  wide,
  onSubmit,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  onSubmit?: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit?.();
  };
  // In a portal, so a dialog opened from inside a page's form never nests one form in another.
  return createPortal(
    <dialog ref={ref} className={wide ? 'dialog dialog-wide' : 'dialog'} onClose={onClose} aria-label={title}>
      {open && (
        <form method="dialog" onSubmit={submit} noValidate>
          <header className="dialog-header">
            <h2>{title}</h2>
            <button type="button" className="btn btn-ghost btn-icon" onClick={onClose} aria-label="Close">
              ×
            </button>
          </header>
          <div className="dialog-body">{children}</div>
          {footer && <footer className="dialog-footer">{footer}</footer>}
        </form>
      )}
    </dialog>,
    document.body,
  );
}

interface ConfirmRequest {
  title: string;
  body: ReactNode;
  confirm: string;
  danger?: boolean;
  action: () => Promise<unknown>;
}

const ConfirmContext = createContext<(req: ConfirmRequest) => void>(() => {});

/** One confirmation dialog for the app: `confirm({title, body, confirm: 'Archive', action})`. */
export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [req, setReq] = useState<ConfirmRequest | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const close = () => {
    setReq(null);
    setError(null);
  };
  const run = async () => {
    if (!req) return;
    setBusy(true);
    setError(null);
    try {
      await req.action();
      close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const ask = useCallback((r: ConfirmRequest) => setReq(r), []);
  return (
    <ConfirmContext.Provider value={ask}>
      {children}
      <Dialog
        open={!!req}
        title={req?.title ?? ''}
        onClose={close}
        onSubmit={run}
        footer={
          <>
            <Button onClick={close}>Cancel</Button>
            <Button type="submit" variant={req?.danger ? 'danger' : 'primary'} busy={busy}>
              {req?.confirm}
            </Button>
          </>
        }
      >
        <div className="confirm-body">{req?.body}</div>
        <ErrorMessage error={error} />
      </Dialog>
    </ConfirmContext.Provider>
  );
}

export function useConfirm() {
  return useContext(ConfirmContext);
}

interface Toast {
  id: number;
  text: string;
  kind: 'success' | 'error';
}

const ToastContext = createContext<(text: string, kind?: Toast['kind']) => void>(() => {});

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const push = useCallback((text: string, kind: Toast['kind'] = 'success') => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t, { id, text, kind }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 5000);
  }, []);
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`}>
            {t.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast() {
  return useContext(ToastContext);
}
