import { useState } from 'react';
import type { PanelLocker } from '../../api/lockers';
import { Checkbox } from '../../components/ui/checkbox';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { Label } from '../../components/ui/input';
import { Select } from '../../components/ui/select';
import { useI18n } from '../../i18n';
import { bulkOpenSummary, planBulkOpen, type BulkPlan } from './bulk';

export interface BulkChoice {
  plan: BulkPlan;
  release: boolean;
  excludeVip: boolean;
  staggerMs: number | undefined;
}

const STAGGERS = [300, 500, 1000, 2000] as const;

/** Confirms a bulk open, saying exactly which lockers open and what happens to their owners. */
export function BulkOpenDialog({
  lockers,
  kioskName,
  onClose,
  onConfirm,
}: {
  lockers: PanelLocker[];
  kioskName: string;
  onClose: () => void;
  onConfirm: (choice: BulkChoice) => Promise<unknown>;
}) {
  const { t, number } = useI18n();
  const [release, setRelease] = useState(false);
  const [excludeVip, setExcludeVip] = useState(true);
  const [stagger, setStagger] = useState('');
  const hasVip = lockers.some((l) => l.vip);
  const plan = planBulkOpen(lockers, excludeVip);
  const lines = bulkOpenSummary(t, kioskName, plan, release, number);

  return (
    <ConfirmDialog
      open
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      title={t('lockers.bulk.title')}
      description={
        <div data-testid="bulk-summary" className="space-y-1">
          {lines.map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      }
      confirmLabel={t('lockers.bulk.confirm', { count: number(plan.open.length) })}
      destructive={release}
      confirmDisabled={plan.open.length === 0}
      onConfirm={() =>
        onConfirm({ plan, release, excludeVip, staggerMs: stagger === '' ? undefined : Number(stagger) })
      }
    >
      <fieldset className="space-y-2 text-sm">
        <legend className="mb-1 font-medium">{t('lockers.bulk.owners')}</legend>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            name="bulk-release"
            className="size-4 accent-blue-700"
            checked={!release}
            onChange={() => {
              setRelease(false);
            }}
          />
          {t('lockers.bulk.keep')}
        </label>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            name="bulk-release"
            className="size-4 accent-blue-700"
            checked={release}
            onChange={() => {
              setRelease(true);
            }}
          />
          {t('lockers.bulk.free')}
        </label>
      </fieldset>
      {hasVip && (
        <div className="flex items-start gap-2 text-sm">
          <Checkbox
            id="bulk-include-vip"
            checked={!excludeVip}
            onCheckedChange={(checked) => {
              setExcludeVip(checked !== true);
            }}
          />
          <Label htmlFor="bulk-include-vip">{t('lockers.bulk.include_vip')}</Label>
        </div>
      )}
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <Label htmlFor="bulk-stagger">{t('lockers.bulk.stagger')}</Label>
        <Select
          id="bulk-stagger"
          value={stagger}
          onChange={(e) => {
            setStagger(e.target.value);
          }}
        >
          <option value="">{t('lockers.bulk.stagger_default')}</option>
          {STAGGERS.map((ms) => (
            <option key={ms} value={String(ms)}>
              {t('lockers.bulk.stagger_ms', { ms: number(ms) })}
            </option>
          ))}
        </Select>
      </div>
    </ConfirmDialog>
  );
}
