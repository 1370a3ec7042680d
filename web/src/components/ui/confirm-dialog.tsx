import { AlertDialog } from 'radix-ui';
import { useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n';
import { cn } from '../../lib/cn';
import { Button } from './button';

export interface ConfirmDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  /** What will happen, in plain words. */
  description: ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  /** Extra controls (a reason field, an override checkbox). */
  children?: ReactNode;
  /** Disables the confirm button, e.g. until a required override is ticked. */
  confirmDisabled?: boolean;
  /** Runs on confirm; the dialog stays open and busy until it settles, then closes on success. */
  onConfirm: () => Promise<unknown>;
}

/** Asks before an action; shows the action's error instead of closing when it fails. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      props.onOpenChange(false);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AlertDialog.Root
      open={props.open}
      onOpenChange={(open) => {
        if (!busy) {
          setError(null);
          props.onOpenChange(open);
        }
      }}
    >
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-50 bg-slate-950/60" />
        <AlertDialog.Content
          className={cn(
            'fixed top-1/2 left-1/2 z-50 grid w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 gap-4',
            'rounded-lg border border-slate-200 bg-white p-6 shadow-lg dark:border-slate-700 dark:bg-slate-900',
          )}
        >
          <AlertDialog.Title className="text-lg font-semibold">{props.title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="text-sm text-slate-700 dark:text-slate-300">{props.description}</div>
          </AlertDialog.Description>
          {props.children}
          {error && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {error}
            </p>
          )}
          <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
            <AlertDialog.Cancel asChild>
              <Button variant="secondary" disabled={busy}>
                {t('common.cancel')}
              </Button>
            </AlertDialog.Cancel>
            <Button
              variant={props.destructive ? 'destructive' : 'primary'}
              disabled={busy || props.confirmDisabled}
              aria-busy={busy}
              onClick={() => void confirm()}
            >
              {props.confirmLabel}
            </Button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
