import { useState } from 'react';
import { useApi } from '../../api/context';
import {
  blockLocker,
  openLocker,
  releaseLocker,
  renameLocker,
  resolveLocker,
  transferLocker,
  unblockLocker,
  type CommandView,
  type PanelLocker,
} from '../../api/lockers';
import { Button } from '../../components/ui/button';
import { Checkbox } from '../../components/ui/checkbox';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { Input, Label } from '../../components/ui/input';
import { Textarea } from '../../components/ui/textarea';
import { useCommandRunner } from '../../hooks/useCommandRunner';
import { useRole } from '../../hooks/useRole';
import { useI18n, type MessageKey } from '../../i18n';
import { ACTION_SPECS, availableActions, type LockerAction } from './actions';

const TITLE: Record<LockerAction, MessageKey> = {
  open_keep: 'lockers.confirm.open_keep.title',
  open_free: 'lockers.confirm.open_free.title',
  release: 'lockers.confirm.release.title',
  resolve: 'lockers.confirm.resolve.title',
  block: 'lockers.confirm.block.title',
  unblock: 'lockers.confirm.unblock.title',
  transfer: 'lockers.confirm.transfer.title',
  rename: 'lockers.confirm.rename.title',
};

const BODY: Record<LockerAction, MessageKey> = {
  open_keep: 'lockers.confirm.open_keep.body',
  open_free: 'lockers.confirm.open_free.body',
  release: 'lockers.confirm.release.body',
  resolve: 'lockers.confirm.resolve.body',
  block: 'lockers.confirm.block.body',
  unblock: 'lockers.confirm.unblock.body',
  transfer: 'lockers.confirm.transfer.body',
  rename: 'lockers.confirm.rename.body',
};

const PENDING: Record<LockerAction, MessageKey> = {
  open_keep: 'lockers.pending.open',
  open_free: 'lockers.pending.open',
  release: 'lockers.pending.release',
  resolve: 'lockers.pending.resolve',
  block: 'lockers.pending.block',
  unblock: 'lockers.pending.unblock',
  transfer: 'lockers.pending.transfer',
  rename: 'lockers.pending.rename',
};

const DONE: Record<LockerAction, MessageKey> = {
  open_keep: 'lockers.done.open_keep',
  open_free: 'lockers.done.open_free',
  release: 'lockers.done.release',
  resolve: 'lockers.done.resolve',
  block: 'lockers.done.block',
  unblock: 'lockers.done.unblock',
  transfer: 'lockers.done.transfer',
  rename: 'lockers.done.rename',
};

/** What the confirmation says: opening a locker nobody owns, or a VIP one, reads differently. */
function bodyKey(action: LockerAction, locker: PanelLocker): MessageKey {
  if (action === 'open_keep' && locker.vip) return 'lockers.confirm.open_keep.body_vip';
  if (action === 'open_keep' && locker.owner_hint === null) return 'lockers.confirm.open_keep.body_free';
  return BODY[action];
}

/** The action buttons of a locker's drawer, each behind a confirmation. Nothing for read-only roles. */
export function LockerActions({ locker, kioskName }: { locker: PanelLocker; kioskName: string }) {
  const { t } = useI18n();
  const role = useRole();
  const [action, setAction] = useState<LockerAction | null>(null);
  const actions = availableActions(role, locker);
  if (actions.length === 0) {
    return (
      <p className="text-sm text-slate-700 dark:text-slate-300" data-testid="locker-no-actions">
        {locker.opening ? t('lockers.drawer.busy') : t('lockers.drawer.no_actions')}
      </p>
    );
  }
  return (
    <>
      <div className="flex flex-wrap gap-2" data-testid="locker-actions">
        {actions.map((a) => (
          <Button
            key={a}
            variant={ACTION_SPECS[a].destructive ? 'destructive' : a === actions[0] ? 'primary' : 'secondary'}
            data-action={a}
            onClick={() => {
              setAction(a);
            }}
          >
            {t(ACTION_SPECS[a].label)}
          </Button>
        ))}
      </div>
      {action && (
        <ActionDialog
          key={action}
          action={action}
          locker={locker}
          kioskName={kioskName}
          onClose={() => {
            setAction(null);
          }}
        />
      )}
    </>
  );
}

function ActionDialog({
  action,
  locker,
  kioskName,
  onClose,
}: {
  action: LockerAction;
  locker: PanelLocker;
  kioskName: string;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const api = useApi();
  const run = useCommandRunner();
  const [reason, setReason] = useState('');
  const [name, setName] = useState(locker.name ?? '');
  const [card, setCard] = useState('');
  const [override, setOverride] = useState(false);
  const { kiosk, number } = locker;
  const needsOverride = (action === 'open_keep' || action === 'open_free') && locker.vip;
  const reasonRequired = action === 'release';
  const withReason = action === 'release' || action === 'block' || action === 'resolve' || action === 'transfer';
  const params = { number, kiosk: kioskName, hint: locker.owner_hint ?? '—' };

  const start = (): Promise<CommandView> => {
    const why = reason.trim();
    switch (action) {
      case 'open_keep':
      case 'open_free':
        return openLocker(api, kiosk, number, {
          release: action === 'open_free',
          override: needsOverride && override,
          ...(why ? { reason: why } : {}),
        });
      case 'release':
        return releaseLocker(api, kiosk, number, why);
      case 'resolve':
        return resolveLocker(api, kiosk, number, why || undefined);
      case 'block':
        return blockLocker(api, kiosk, number, why || undefined);
      case 'unblock':
        return unblockLocker(api, kiosk, number);
      case 'transfer':
        return transferLocker(api, kiosk, number, card.trim(), why || undefined);
      case 'rename':
        return renameLocker(api, kiosk, number, name);
    }
  };

  const invalid =
    (needsOverride && !override) ||
    (reasonRequired && reason.trim() === '') ||
    (action === 'transfer' && card.trim() === '') ||
    (action === 'rename' && name.trim().length > 20);

  return (
    <ConfirmDialog
      open
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      title={t(TITLE[action], params)}
      description={<p data-testid="action-description">{t(bodyKey(action, locker), params)}</p>}
      confirmLabel={t(ACTION_SPECS[action].label)}
      destructive={ACTION_SPECS[action].destructive ?? false}
      confirmDisabled={invalid}
      onConfirm={() =>
        run(start, {
          pending: t(PENDING[action], params),
          success: () => t(DONE[action], params),
        })
      }
    >
      {needsOverride && (
        <div className="flex items-start gap-2 rounded-md border border-amber-600 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-400 dark:bg-amber-950 dark:text-amber-50">
          <Checkbox
            id="vip-override"
            checked={override}
            onCheckedChange={(checked) => {
              setOverride(checked === true);
            }}
            data-testid="vip-override"
          />
          <Label htmlFor="vip-override" className="text-amber-950 dark:text-amber-50">
            {t('lockers.confirm.vip_override')}
          </Label>
        </div>
      )}
      {action === 'rename' && (
        <div className="space-y-1">
          <Label htmlFor="locker-name">{t('lockers.field.name')}</Label>
          <Input
            id="locker-name"
            value={name}
            maxLength={20}
            onChange={(e) => {
              setName(e.target.value);
            }}
            aria-describedby="locker-name-hint"
          />
          <p id="locker-name-hint" className="text-xs text-slate-700 dark:text-slate-300">
            {t('lockers.field.name_hint')}
          </p>
        </div>
      )}
      {action === 'transfer' && (
        <div className="space-y-1">
          <Label htmlFor="locker-card">{t('lockers.field.card')}</Label>
          <Input
            id="locker-card"
            value={card}
            autoComplete="off"
            inputMode="text"
            onChange={(e) => {
              setCard(e.target.value);
            }}
          />
        </div>
      )}
      {withReason && (
        <div className="space-y-1">
          <Label htmlFor="locker-reason">
            {t(reasonRequired ? 'lockers.field.reason_required' : 'lockers.field.reason')}
          </Label>
          <Textarea
            id="locker-reason"
            value={reason}
            maxLength={500}
            rows={2}
            required={reasonRequired}
            onChange={(e) => {
              setReason(e.target.value);
            }}
          />
        </div>
      )}
    </ConfirmDialog>
  );
}
