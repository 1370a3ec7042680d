import { useQuery, useQueryClient } from '@tanstack/react-query';
import { RotateCcwIcon } from 'lucide-react';
import { useId, useState } from 'react';
import { isApiError } from '../../api/client';
import { useApi } from '../../api/context';
import {
  getSettings,
  setMasterPin,
  updateKioskSettings,
  updateSiteSettings,
  type KioskSettings,
} from '../../api/settings';
import { PageHeader } from '../../components/layout/PageHeader';
import { Button } from '../../components/ui/button';
import { Card } from '../../components/ui/card';
import { Input, Label } from '../../components/ui/input';
import { toast } from '../../components/ui/toaster';
import { useI18n } from '../../i18n';
import { FlowForm, SourceBadge } from './FlowForm';

const SETTINGS_KEY = ['settings'] as const;

export function SettingsPage() {
  const api = useApi();
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: SETTINGS_KEY, queryFn: () => getSettings(api) });

  const saved = async () => {
    toast.success(t('settings.saved'));
    await queryClient.invalidateQueries({ queryKey: SETTINGS_KEY });
  };

  return (
    <>
      <PageHeader title={t('nav.settings')} description={t('settings.description')} />
      {settings.isPending ? (
        <p role="status" className="text-slate-700 dark:text-slate-300">
          {t('common.loading')}
        </p>
      ) : settings.isError ? (
        <div role="alert" className="space-y-3">
          <p>{t('common.error', { message: settings.error.message })}</p>
          <Button variant="secondary" onClick={() => void settings.refetch()}>
            {t('common.retry')}
          </Button>
        </div>
      ) : (
        <div className="space-y-8">
          <Card aria-labelledby="settings-site">
            <h2 id="settings-site" className="text-lg font-semibold">
              {t('settings.site_title', { site: settings.data.site.name || settings.data.site.id })}
            </h2>
            <p className="mb-2 text-sm text-slate-700 dark:text-slate-300">{t('settings.site_description')}</p>
            <FlowForm
              key={JSON.stringify(settings.data.site.flow)}
              idPrefix="site"
              flow={settings.data.site.flow}
              onSave={async (change) => {
                await updateSiteSettings(api, change);
                await saved();
              }}
              onReset={async (key) => {
                await updateSiteSettings(api, { [key]: null });
                await saved();
              }}
            />
          </Card>
          <section aria-labelledby="settings-kiosks" className="space-y-4">
            <h2 id="settings-kiosks" className="text-lg font-semibold">
              {t('settings.kiosks_title')}
            </h2>
            <p className="text-sm text-slate-700 dark:text-slate-300">{t('settings.kiosks_description')}</p>
            {settings.data.kiosks.map((kiosk) => (
              <KioskCard key={kiosk.id} kiosk={kiosk} onSaved={saved} />
            ))}
          </section>
          <MasterPinCard pinSet={settings.data.masterPinSet} onSaved={saved} />
        </div>
      )}
    </>
  );
}

function KioskCard({ kiosk, onSaved }: { kiosk: KioskSettings; onSaved: () => Promise<void> }) {
  const id = useId();
  return (
    <Card aria-labelledby={`${id}-title`} data-testid={`kiosk-settings-${kiosk.id}`}>
      <details>
        <summary className="cursor-pointer rounded-sm text-base font-semibold focus-visible:outline-2 focus-visible:outline-blue-600">
          <h3 id={`${id}-title`} className="inline">
            {kiosk.name} <span className="font-mono text-sm font-normal">({kiosk.id})</span>
          </h3>
        </summary>
        <div className="mt-4">
          {/* Keyed by the values, so the form starts again from what a save stored. */}
          <KioskForm key={JSON.stringify(kiosk)} kiosk={kiosk} onSaved={onSaved} />
        </div>
      </details>
    </Card>
  );
}

function KioskForm({ kiosk, onSaved }: { kiosk: KioskSettings; onSaved: () => Promise<void> }) {
  const api = useApi();
  const { t } = useI18n();
  const id = useId();
  const [name, setName] = useState(kiosk.name);
  const nameChanged = name.trim() !== kiosk.name && name.trim() !== '';
  return (
    <FlowForm
      idPrefix={`kiosk-${kiosk.id}`}
      flow={kiosk.flow}
      extraDirty={nameChanged ? { name: name.trim() } : undefined}
      extra={(errors) => (
        <div className="grid gap-2 md:grid-cols-[1fr_16rem_auto] md:items-start">
          <div>
            <Label htmlFor={`${id}-name`}>{t('settings.kiosk_name')}</Label>
            <p id={`${id}-name-help`} className="text-xs text-slate-700 dark:text-slate-300">
              {t('settings.kiosk_name_help')}
            </p>
          </div>
          <div>
            <Input
              id={`${id}-name`}
              value={name}
              maxLength={64}
              aria-invalid={errors.name !== undefined}
              aria-describedby={`${id}-name-help${errors.name ? ` ${id}-name-error` : ''}`}
              onChange={(e) => {
                setName(e.target.value);
              }}
            />
            {errors.name && (
              <p id={`${id}-name-error`} role="alert" className="mt-1 text-sm text-red-700 dark:text-red-300">
                {errors.name}
              </p>
            )}
          </div>
          <div className="flex flex-wrap items-center gap-2 md:justify-end">
            <SourceBadge source={kiosk.nameSource} />
            {kiosk.nameSource === 'panel' && (
              <Button
                size="sm"
                variant="ghost"
                aria-label={t('settings.reset_field', { field: t('settings.kiosk_name') })}
                onClick={() =>
                  void updateKioskSettings(api, kiosk.id, { name: null }).then(onSaved, (e: unknown) => {
                    toast.error(e instanceof Error ? e.message : String(e));
                  })
                }
              >
                <RotateCcwIcon aria-hidden />
                {t('settings.reset')}
              </Button>
            )}
          </div>
        </div>
      )}
      onSave={async (change) => {
        await updateKioskSettings(api, kiosk.id, change);
        await onSaved();
      }}
      onReset={async (key) => {
        await updateKioskSettings(api, kiosk.id, { [key]: null });
        await onSaved();
      }}
    />
  );
}

function MasterPinCard({ pinSet, onSaved }: { pinSet: boolean; onSaved: () => Promise<void> }) {
  const api = useApi();
  const { t } = useI18n();
  const id = useId();
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<{ field: 'pin' | 'again'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    if (!/^\d{4,8}$/.test(pin)) {
      setError({ field: 'pin', text: t('settings.pin.invalid') });
      return;
    }
    if (pin !== again) {
      setError({ field: 'again', text: t('settings.pin.mismatch') });
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await setMasterPin(api, pin);
      setPin('');
      setAgain('');
      toast.success(t('settings.pin.saved'));
      await onSaved();
    } catch (e) {
      setError({ field: 'pin', text: isApiError(e) || e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  const field = (which: 'pin' | 'again', value: string, set: (v: string) => void, label: string) => (
    <div>
      <Label htmlFor={`${id}-${which}`}>{label}</Label>
      <Input
        id={`${id}-${which}`}
        type="password"
        inputMode="numeric"
        autoComplete="off"
        maxLength={8}
        value={value}
        aria-invalid={error?.field === which}
        aria-describedby={`${id}-hint${error?.field === which ? ` ${id}-${which}-error` : ''}`}
        onChange={(e) => {
          set(e.target.value.replace(/\D/g, ''));
        }}
      />
      {error?.field === which && (
        <p id={`${id}-${which}-error`} role="alert" className="mt-1 text-sm text-red-700 dark:text-red-300">
          {error.text}
        </p>
      )}
    </div>
  );

  return (
    <Card aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-lg font-semibold">
        {t('settings.pin.title')}
      </h2>
      <p className="mb-3 text-sm text-slate-700 dark:text-slate-300" data-testid="master-pin-state">
        {pinSet ? t('settings.pin.is_set') : t('settings.pin.not_set')}
      </p>
      <form
        noValidate
        className="grid max-w-xl gap-3 sm:grid-cols-2"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {field('pin', pin, setPin, t('settings.pin.new'))}
        {field('again', again, setAgain, t('settings.pin.again'))}
        <p id={`${id}-hint`} className="text-xs text-slate-700 sm:col-span-2 dark:text-slate-300">
          {t('settings.pin.hint')}
        </p>
        <div className="sm:col-span-2">
          <Button type="submit" disabled={busy} aria-busy={busy}>
            {t('settings.pin.submit')}
          </Button>
        </div>
      </form>
    </Card>
  );
}
