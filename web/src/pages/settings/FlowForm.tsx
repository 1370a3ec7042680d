import { RotateCcwIcon } from 'lucide-react';
import { useId, useState, type ReactNode } from 'react';
import { isApiError } from '../../api/client';
import {
  FLOW_FIELDS,
  fromInput,
  toInput,
  type FlowChange,
  type FlowField,
  type FlowKey,
  type FlowSettings,
  type SettingSource,
} from '../../api/settings';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Input, Label } from '../../components/ui/input';
import { Select } from '../../components/ui/select';
import { useI18n, type MessageKey } from '../../i18n';

const UNIT_LABEL: Record<number, MessageKey> = {
  1: 'settings.unit.seconds',
  60: 'settings.unit.minutes',
  3600: 'settings.unit.hours',
};

function unitKey(field: FlowField): MessageKey | undefined {
  if (typeof field.kind === 'object') return UNIT_LABEL[field.kind.seconds];
  if (field.kind === 'ms') return 'settings.unit.ms';
  return undefined;
}

export function SourceBadge({ source }: { source: SettingSource }) {
  const { t } = useI18n();
  return (
    <Badge tone={source === 'panel' ? 'info' : 'neutral'} data-source={source}>
      {source === 'panel' ? t('settings.source.panel') : t('settings.source.file')}
    </Badge>
  );
}

type Draft = Record<FlowKey, string>;

/** A value as text with its unit, for "file value: 4 hours". */
function useShown() {
  const { t, number } = useI18n();
  return (field: FlowField, value: FlowSettings[FlowKey]['value']): string => {
    if (value === 'manual' || value === 'automatic') return t(`settings.mode.${value}`);
    const text = toInput(field, value);
    const n = Number(text);
    const formatted = text === '' || Number.isNaN(n) ? '—' : number(n);
    const unit = unitKey(field);
    return unit ? `${formatted} ${t(unit)}` : formatted;
  };
}

function draftOf(flow: FlowSettings): Draft {
  const draft = {} as Draft;
  for (const field of FLOW_FIELDS) draft[field.key] = toInput(field, flow[field.key].value);
  return draft;
}

/** The error a failed save names a field with, else one for the whole form. */
function splitError(error: unknown): { field?: string; text: string } {
  if (isApiError(error)) return error.field === undefined ? { text: error.message } : { field: error.field, text: error.message };
  return { text: error instanceof Error ? error.message : String(error) };
}

/**
 * Card-flow settings with their effective value and source. Saving sends only the fields that
 * changed; "reset to file value" sends `null` for one field. Mount it with a `key` that changes
 * when the settings do, so the form starts from the new values.
 */
export function FlowForm({
  idPrefix,
  flow,
  extra,
  extraDirty,
  onSave,
  onReset,
}: {
  idPrefix: string;
  flow: FlowSettings;
  /** More fields above the flow settings (the kiosk's name). */
  extra?: (errors: Record<string, string>) => ReactNode;
  /** The extra fields' change, merged into the saved change; undefined when unchanged. */
  extraDirty?: Record<string, unknown> | undefined;
  onSave: (change: FlowChange & Record<string, unknown>) => Promise<unknown>;
  onReset: (key: FlowKey) => Promise<unknown>;
}) {
  const { t, number } = useI18n();
  const shown = useShown();
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => draftOf(flow));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const initial = draftOf(flow);
  const dirty = FLOW_FIELDS.filter((f) => draft[f.key] !== initial[f.key]);
  const canSave = dirty.length > 0 || extraDirty !== undefined;

  const save = async () => {
    const change: FlowChange & Record<string, unknown> = { ...extraDirty };
    const found: Record<string, string> = {};
    for (const field of dirty) {
      const parsed = fromInput(field, draft[field.key]);
      if ('error' in parsed) {
        found[field.key] =
          parsed.error === 'range'
            ? t('settings.error.range', { min: number(field.min ?? 0), max: number(field.max ?? 0) })
            : parsed.error === 'number'
              ? t('settings.error.number')
              : t('settings.error.required');
      } else {
        change[field.key] = parsed.value;
      }
    }
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await onSave(change);
    } catch (error) {
      const { field, text } = splitError(error);
      if (field === undefined) setFormError(text);
      else setErrors({ [field]: text });
    } finally {
      setBusy(false);
    }
  };

  const reset = async (key: FlowKey) => {
    setBusy(true);
    setFormError(null);
    try {
      await onReset(key);
    } catch (error) {
      setErrors({ [key]: splitError(error).text });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {extra?.(errors)}
      <ul className="divide-y divide-slate-200 dark:divide-slate-700">
        {FLOW_FIELDS.map((field) => {
          const inputId = `${idPrefix}-${id}-${field.key}`;
          const setting = flow[field.key];
          const error = errors[field.key];
          const unit = unitKey(field);
          // A kiosk's value can come from the panel at the site level; resetting the kiosk then
          // changes nothing, so the button shows only where the fallback differs.
          const resettable =
            setting.source === 'panel' &&
            (setting.inherited === undefined || setting.inherited !== setting.value);
          const describedBy = [`${inputId}-help`, error ? `${inputId}-error` : ''].filter(Boolean).join(' ');
          return (
            <li key={field.key} className="grid gap-2 py-3 md:grid-cols-[1fr_16rem_auto] md:items-start" data-testid={`setting-${field.key}`}>
              <div>
                <Label htmlFor={inputId}>{t(`settings.field.${field.key}`)}</Label>
                <p id={`${inputId}-help`} className="text-xs text-slate-700 dark:text-slate-300">
                  {t(`settings.help.${field.key}`)}
                </p>
              </div>
              <div>
                {field.kind === 'mode' ? (
                  <Select
                    id={inputId}
                    className="w-full"
                    value={draft[field.key]}
                    aria-describedby={describedBy}
                    aria-invalid={error !== undefined}
                    onChange={(e) => {
                      setDraft((d) => ({ ...d, [field.key]: e.target.value }));
                    }}
                  >
                    <option value="manual">{t('settings.mode.manual')}</option>
                    <option value="automatic">{t('settings.mode.automatic')}</option>
                  </Select>
                ) : (
                  <div className="flex items-center gap-2">
                    <Input
                      id={inputId}
                      inputMode="decimal"
                      value={draft[field.key]}
                      aria-describedby={describedBy}
                      aria-invalid={error !== undefined}
                      onChange={(e) => {
                        setDraft((d) => ({ ...d, [field.key]: e.target.value }));
                      }}
                    />
                    {unit && <span className="text-sm whitespace-nowrap text-slate-700 dark:text-slate-300">{t(unit)}</span>}
                  </div>
                )}
                {error && (
                  <p id={`${inputId}-error`} role="alert" className="mt-1 text-sm text-red-700 dark:text-red-300">
                    {error}
                  </p>
                )}
              </div>
              <div className="flex flex-wrap items-center gap-2 md:justify-end">
                <SourceBadge source={setting.source} />
                {resettable && setting.inherited !== undefined && (
                  <span className="text-xs text-slate-700 dark:text-slate-300">
                    {t('settings.file_value', { value: shown(field, setting.inherited) })}
                  </span>
                )}
                {resettable && (
                  <Button
                    size="sm"
                    variant="ghost"
                    disabled={busy}
                    aria-label={t('settings.reset_field', { field: t(`settings.field.${field.key}`) })}
                    onClick={() => void reset(field.key)}
                  >
                    <RotateCcwIcon aria-hidden />
                    {t('settings.reset')}
                  </Button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {formError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {formError}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={busy || !canSave} aria-busy={busy}>
          {t('common.save')}
        </Button>
        <Button
          variant="secondary"
          disabled={busy || !canSave}
          onClick={() => {
            setDraft(initial);
            setErrors({});
            setFormError(null);
          }}
        >
          {t('settings.discard')}
        </Button>
      </div>
    </form>
  );
}
