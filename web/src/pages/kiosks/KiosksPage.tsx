import { useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRoundIcon } from 'lucide-react';
import { useState } from 'react';
import { useApi } from '../../api/context';
import {
  createPairing,
  listCredentials,
  revokeCredential,
  type KioskItem,
  type Pairing,
  type PairedDevice,
  type Telemetry,
} from '../../api/kiosks';
import { LiveKioskStatus } from '../../components/LiveKioskStatus';
import { PageHeader } from '../../components/layout/PageHeader';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card } from '../../components/ui/card';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { toast } from '../../components/ui/toaster';
import { useErrorText } from '../../hooks/useCommandRunner';
import { KIOSKS_KEY, useKiosks, useLiveKioskCounts } from '../../hooks/useKiosks';
import { useCan } from '../../hooks/useRole';
import { formatDateTime, useI18n, type MessageKey } from '../../i18n';
import { PairingDialog } from './PairingDialog';

/** Heartbeats come every 30 s; looking again every 10 s keeps "online" honest. */
const REFRESH_MS = 10_000;

export function KiosksPage() {
  const { t } = useI18n();
  const kiosks = useKiosks({ refetchInterval: REFRESH_MS });
  useLiveKioskCounts();
  return (
    <>
      <PageHeader title={t('nav.kiosks')} description={t('kiosks.page.description')} />
      <LiveKioskStatus />
      {kiosks.isPending ? (
        <p role="status">{t('panel.loading')}</p>
      ) : kiosks.isError ? (
        <div role="alert" className="space-y-3">
          <p>{t('panel.load_error', { message: kiosks.error.message })}</p>
          <Button variant="secondary" onClick={() => void kiosks.refetch()}>
            {t('panel.retry')}
          </Button>
        </div>
      ) : kiosks.data.length === 0 ? (
        <p>{t('panel.empty')}</p>
      ) : (
        <div className="grid gap-4 lg:grid-cols-2">
          {kiosks.data.map((kiosk) => (
            <KioskPanel key={kiosk.id} kiosk={kiosk} />
          ))}
        </div>
      )}
    </>
  );
}

/** Telemetry fields with a label of their own, in display order. */
const TELEMETRY: { key: keyof Telemetry & string; label: MessageKey }[] = [
  { key: 'app_version', label: 'kiosks.telemetry.app_version' },
  { key: 'uptime_s', label: 'kiosks.telemetry.uptime' },
  { key: 'language', label: 'kiosks.telemetry.language' },
  { key: 'screen', label: 'kiosks.telemetry.screen' },
  { key: 'user_agent', label: 'kiosks.telemetry.user_agent' },
  { key: 'reader_status', label: 'kiosks.telemetry.reader_status' },
  { key: 'memory_mb', label: 'kiosks.telemetry.memory' },
  { key: 'disk_free_mb', label: 'kiosks.telemetry.disk_free' },
  { key: 'cpu_temp_c', label: 'kiosks.telemetry.cpu_temp' },
  { key: 'last_error', label: 'kiosks.telemetry.last_error' },
];

function useTelemetryValue(): (key: string, value: unknown) => string {
  const { t, number } = useI18n();
  return (key, value) => {
    if (typeof value === 'number') {
      if (key === 'uptime_s') {
        const hours = Math.floor(value / 3600);
        const minutes = Math.floor((value % 3600) / 60);
        return t('lockers.held.hours', { hours: number(hours), minutes: number(minutes) });
      }
      if (key.endsWith('_mb')) return `${number(value, { maximumFractionDigits: 0 })} MB`;
      if (key.endsWith('_c')) return `${number(value, { maximumFractionDigits: 1 })} °C`;
      return number(value);
    }
    if (typeof value === 'string') return value;
    if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
    if (typeof value === 'object' && value !== null && 'width' in value && 'height' in value) {
      // A screen: 800 × 480.
      const { width, height } = value;
      if (typeof width === 'number' && typeof height === 'number') return `${number(width)} × ${number(height)}`;
    }
    return JSON.stringify(value);
  };
}

function TelemetryList({ telemetry }: { telemetry: Telemetry }) {
  const { t } = useI18n();
  const show = useTelemetryValue();
  const known = new Set<string>(TELEMETRY.map((f) => f.key));
  const rows: [string, string][] = [
    ...TELEMETRY.filter((f) => telemetry[f.key] !== undefined && telemetry[f.key] !== null).map(
      (f): [string, string] => [t(f.label), show(f.key, telemetry[f.key])],
    ),
    ...Object.entries(telemetry)
      .filter(([key, value]) => !known.has(key) && value !== null && value !== undefined)
      .map(([key, value]): [string, string] => [key.replaceAll('_', ' '), show(key, value)]),
  ];
  if (rows.length === 0) return <p className="text-sm">{t('kiosks.telemetry.none')}</p>;
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="telemetry">
      {rows.map(([term, value]) => (
        <div key={term} className="contents">
          <dt className="text-slate-700 dark:text-slate-300">{term}</dt>
          <dd className="font-medium break-words">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function KioskPanel({ kiosk }: { kiosk: KioskItem }) {
  const { t, number } = useI18n();
  const api = useApi();
  const errorText = useErrorText();
  const manage = useCan('system:kiosks');
  const [pairing, setPairing] = useState<Pairing | null>(null);
  const [creating, setCreating] = useState(false);
  const headingId = `kiosk-panel-${kiosk.id}`;

  const newCode = async () => {
    setCreating(true);
    try {
      setPairing(await createPairing(api, kiosk.id));
    } catch (error) {
      toast.error(errorText(error));
    } finally {
      setCreating(false);
    }
  };

  return (
    <Card aria-labelledby={headingId} data-testid={`kiosk-panel-${kiosk.id}`} className="space-y-4">
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id={headingId} className="text-lg font-semibold">
            {kiosk.name}
          </h2>
          <p className="text-sm text-slate-700 dark:text-slate-300">
            <span className="font-mono">{kiosk.id}</span> ·{' '}
            {t('kiosks.lockers', { total: number(kiosk.lockers.total), free: number(kiosk.lockers.free) })}
          </p>
        </div>
        <Badge tone={kiosk.online ? 'success' : 'neutral'} data-testid="kiosk-online">
          <span aria-hidden className={kiosk.online ? 'size-2 rounded-full bg-emerald-600' : 'size-2 rounded-full bg-slate-500'} />
          {kiosk.online ? t('kiosk.online') : t('kiosk.offline')}
        </Badge>
      </header>
      <p className="text-sm">
        {kiosk.last_heartbeat
          ? t('kiosk.last_heartbeat', { time: formatDateTime(kiosk.last_heartbeat) })
          : t('kiosk.no_heartbeat')}
      </p>
      <section aria-labelledby={`${headingId}-telemetry`} className="space-y-2">
        <h3 id={`${headingId}-telemetry`} className="text-sm font-semibold">
          {t('kiosks.telemetry.title')}
        </h3>
        {kiosk.telemetry ? <TelemetryList telemetry={kiosk.telemetry} /> : <p className="text-sm">{t('kiosks.telemetry.none')}</p>}
      </section>
      <Devices kiosk={kiosk} />
      {manage && (
        <Button variant="secondary" disabled={creating} onClick={() => void newCode()} data-testid="new-pairing">
          <KeyRoundIcon aria-hidden />
          {t('kiosks.pairing.new')}
        </Button>
      )}
      {pairing && (
        <PairingDialog
          pairing={pairing}
          kioskName={kiosk.name}
          onClose={() => {
            setPairing(null);
          }}
        />
      )}
    </Card>
  );
}

/** A device's own words about itself, when the server has them (name, browser, address). */
function deviceLabel(device: PairedDevice): string | undefined {
  const parts = ['name', 'user_agent', 'ip']
    .map((key) => device[key])
    .filter((v): v is string => typeof v === 'string' && v !== '');
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

const credentialsKey = (kiosk: string) => [...KIOSKS_KEY, kiosk, 'credentials'] as const;

/**
 * Paired devices: from `paired_devices` when the list carries them, else (admins) the credentials.
 * The server sends `paired_devices` as a count, which is not a list to show.
 */
function Devices({ kiosk }: { kiosk: KioskItem }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const manage = useCan('system:kiosks');
  const inline = Array.isArray(kiosk.paired_devices) ? kiosk.paired_devices : undefined;
  const credentials = useQuery({
    queryKey: credentialsKey(kiosk.id),
    queryFn: () => listCredentials(api, kiosk.id),
    enabled: inline === undefined && manage,
    refetchInterval: REFRESH_MS,
  });
  const [revoking, setRevoking] = useState<PairedDevice | null>(null);
  const devices = inline ?? credentials.data;
  const headingId = `kiosk-${kiosk.id}-devices`;

  if (inline === undefined && !manage) return null;
  return (
    <section aria-labelledby={headingId} className="space-y-2">
      <h3 id={headingId} className="text-sm font-semibold">
        {t('kiosks.devices.title')}
      </h3>
      {devices === undefined ? (
        credentials.isError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-300">
            {t('common.error', { message: credentials.error.message })}
          </p>
        ) : (
          <p role="status" className="text-sm">{t('common.loading')}</p>
        )
      ) : devices.length === 0 ? (
        <p className="text-sm">{t('kiosks.devices.none')}</p>
      ) : (
        <ul className="divide-y divide-slate-200 text-sm dark:divide-slate-700" data-testid="paired-devices">
          {devices.map((device) => {
            const revoked = Boolean(device.revoked_at);
            return (
              <li key={device.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-device={device.id}>
                <div>
                  {deviceLabel(device) && <p className="font-medium break-words">{deviceLabel(device)}</p>}
                  <p className="font-mono text-xs break-all">{device.id}</p>
                  <p className="text-xs text-slate-700 dark:text-slate-300">
                    {device.created_at && t('kiosks.devices.paired', { time: formatDateTime(device.created_at) })}
                    {' · '}
                    {device.last_used_at
                      ? t('kiosks.devices.last_used', { time: formatDateTime(device.last_used_at) })
                      : t('kiosks.devices.never_used')}
                  </p>
                </div>
                {revoked ? (
                  <Badge tone="neutral">{t('kiosks.devices.revoked')}</Badge>
                ) : manage ? (
                  <Button
                    variant="destructive"
                    size="sm"
                    onClick={() => {
                      setRevoking(device);
                    }}
                  >
                    {t('kiosks.devices.revoke')}
                  </Button>
                ) : (
                  <Badge tone="success">{t('kiosks.devices.active')}</Badge>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {revoking && (
        <ConfirmDialog
          open
          onOpenChange={(open) => {
            if (!open) setRevoking(null);
          }}
          title={t('kiosks.devices.revoke_title')}
          description={t('kiosks.devices.revoke_body', { kiosk: kiosk.name, id: revoking.id })}
          confirmLabel={t('kiosks.devices.revoke')}
          destructive
          onConfirm={async () => {
            await revokeCredential(api, kiosk.id, revoking.id);
            toast.success(t('kiosks.devices.revoked_toast', { kiosk: kiosk.name }));
            await queryClient.invalidateQueries({ queryKey: KIOSKS_KEY });
          }}
        />
      )}
    </section>
  );
}
