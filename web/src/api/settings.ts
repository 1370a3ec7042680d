// Card-flow settings (PRODUCT.md §3.2): site-wide values with per-kiosk overrides, each shown with
// where it comes from (the configuration file or the panel), and the master PIN (§3.4).
// Field names are those of `FlowSettings` in server/src/config.rs; durations travel in seconds.

import type { ApiClient } from './client';

export type AssignmentMode = 'manual' | 'automatic';

/** How a field is edited: a duration in a convenient unit, a count, milliseconds or the mode. */
export type FieldKind = 'mode' | 'count' | 'ms' | { seconds: number };

export const SECONDS = { seconds: 1 } as const;
export const MINUTES = { seconds: 60 } as const;
export const HOURS = { seconds: 3600 } as const;

export interface FlowField {
  key: FlowKey;
  kind: FieldKind;
  /** Inclusive bounds in the field's own unit (for durations: the unit shown). */
  min?: number;
  max?: number;
  /** Decimals allowed in the shown unit. */
  step?: number;
  /** The value an empty setting (`null`) means, shown in its place. */
  nullAs?: number;
}

export const FLOW_KEYS = [
  'assignment_mode',
  'max_offered_lockers',
  'max_lockers_per_credential',
  'selection_timeout',
  'decision_timeout',
  'open_only_window',
  'recent_holder_min_hold',
  'recent_holder_window',
  'overdue_after',
  'auto_release_after',
  'partial_read_window',
  'duplicate_read_window',
  'pulse_ms',
  'bulk_stagger_ms',
] as const;
export type FlowKey = (typeof FLOW_KEYS)[number];

export const FLOW_FIELDS: readonly FlowField[] = [
  { key: 'assignment_mode', kind: 'mode' },
  { key: 'max_offered_lockers', kind: 'count', min: 0, max: 4096, nullAs: 0 },
  { key: 'max_lockers_per_credential', kind: 'count', min: 1, max: 16 },
  { key: 'selection_timeout', kind: SECONDS, min: 5, max: 600 },
  { key: 'decision_timeout', kind: SECONDS, min: 5, max: 600 },
  { key: 'open_only_window', kind: MINUTES, min: 0, max: 1440 },
  { key: 'recent_holder_min_hold', kind: HOURS, min: 0, max: 168, step: 0.25 },
  { key: 'recent_holder_window', kind: HOURS, min: 0, max: 168, step: 0.25 },
  { key: 'overdue_after', kind: HOURS, min: 0, max: 168, step: 0.25 },
  { key: 'auto_release_after', kind: HOURS, min: 0, max: 168, step: 0.25 },
  { key: 'partial_read_window', kind: SECONDS, min: 0, max: 30, step: 0.1 },
  { key: 'duplicate_read_window', kind: SECONDS, min: 0, max: 30, step: 0.1 },
  { key: 'pulse_ms', kind: 'ms', min: 100, max: 3000 },
  { key: 'bulk_stagger_ms', kind: 'ms', min: 100, max: 5000 },
];

export type FlowValue = AssignmentMode | number | null;
export type SettingSource = 'file' | 'panel';

/** One setting as the panel shows it. */
export interface EffectiveSetting {
  value: FlowValue;
  source: SettingSource;
  /** What removing the panel's value falls back to, when the server says. */
  inherited?: FlowValue;
}

export type FlowSettings = Record<FlowKey, EffectiveSetting>;

export interface KioskSettings {
  id: string;
  name: string;
  nameSource: SettingSource;
  flow: FlowSettings;
}

export interface SettingsView {
  site: { id: string; name: string; flow: FlowSettings };
  kiosks: KioskSettings[];
  masterPinSet: boolean;
}

/** A partial change: a value sets a panel override, `null` removes it (back to the file). */
export type FlowChange = Partial<Record<FlowKey, FlowValue>>;

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function asValue(value: unknown): FlowValue {
  if (value === 'manual' || value === 'automatic') return value;
  return typeof value === 'number' ? value : null;
}

function asSource(value: unknown): SettingSource {
  return value === 'panel' ? 'panel' : 'file';
}

/**
 * One setting from the server: either `{value, source}` or a bare value. `sources` is a sibling
 * map `{key: source}` when the server sends sources separately.
 */
function readSetting(raw: unknown, source: unknown, inherited: Record<string, unknown>, key: string): EffectiveSetting {
  const object = record(raw);
  const setting: EffectiveSetting =
    'value' in object
      ? { value: asValue(object.value), source: asSource(object.source ?? source) }
      : { value: asValue(raw), source: asSource(source) };
  if (key in inherited) setting.inherited = asValue(inherited[key]);
  return setting;
}

function readFlow(raw: unknown, sources: unknown, inherited: unknown): FlowSettings {
  const values = record(raw);
  const from = record(sources);
  const fallback = record(inherited);
  const flow = {} as FlowSettings;
  for (const key of FLOW_KEYS) flow[key] = readSetting(values[key], from[key], fallback, key);
  return flow;
}

/** Reads `GET /api/settings`, tolerating both the plain and the annotated shape. */
export function readSettings(body: unknown): SettingsView {
  const root = record(body);
  const site = record(root.site);
  const siteFlow = 'effective' in site ? site.effective : (site.lockers ?? site.flow);
  const kiosksRaw = root.kiosks;
  const kiosks: KioskSettings[] = [];
  const entries: [string, unknown][] = Array.isArray(kiosksRaw)
    ? kiosksRaw.map((k): [string, unknown] => {
        const id = record(k).id;
        return [typeof id === 'string' ? id : '', k];
      })
    : Object.entries(record(kiosksRaw));
  for (const [id, raw] of entries) {
    const kiosk = record(raw);
    const hasFlow = 'effective' in kiosk || 'lockers' in kiosk || 'flow' in kiosk;
    const flowRaw = hasFlow ? (kiosk.effective ?? kiosk.lockers ?? kiosk.flow) : kiosk;
    const name = readNamed(kiosk.name, id);
    kiosks.push({
      id,
      name: name.value,
      nameSource: asSource(kiosk.name_source ?? name.source),
      flow: readFlow(flowRaw, kiosk.sources, kiosk.inherited),
    });
  }
  return {
    site: {
      id: typeof site.id === 'string' ? site.id : '',
      name: typeof site.name === 'string' ? site.name : '',
      flow: readFlow(siteFlow, site.sources, site.inherited),
    },
    kiosks,
    masterPinSet: root.master_pin_set === true,
  };
}

function readNamed(raw: unknown, fallback: string): { value: string; source: unknown } {
  if (typeof raw === 'string') return { value: raw, source: 'file' };
  const object = record(raw);
  return {
    value: typeof object.value === 'string' ? object.value : fallback,
    source: object.source,
  };
}

export async function getSettings(api: ApiClient): Promise<SettingsView> {
  return readSettings(await api.request<unknown>('GET', '/api/settings'));
}

export function updateSiteSettings(api: ApiClient, change: FlowChange): Promise<unknown> {
  return api.request<unknown>('PUT', '/api/settings/lockers', change);
}

export function updateKioskSettings(
  api: ApiClient,
  kiosk: string,
  change: FlowChange & { name?: string | null },
): Promise<unknown> {
  return api.request<unknown>('PUT', `/api/kiosks/${encodeURIComponent(kiosk)}/settings`, change);
}

export function setMasterPin(api: ApiClient, pin: string): Promise<void> {
  return api.request<undefined>('PUT', '/api/settings/master-pin', { pin });
}

/** The value shown in a field's input for a stored value (seconds for durations). */
export function toInput(field: FlowField, value: FlowValue): string {
  if (value === null) return field.nullAs === undefined ? '' : String(field.nullAs);
  if (typeof value === 'string') return value;
  if (typeof field.kind === 'object') {
    return String(Math.round((value / field.kind.seconds) * 1000) / 1000);
  }
  return String(value);
}

/** An input's text as the value to send, or an error key when it is not acceptable. */
export function fromInput(
  field: FlowField,
  text: string,
): { value: FlowValue } | { error: 'required' | 'number' | 'range' } {
  if (field.kind === 'mode') {
    return text === 'manual' || text === 'automatic' ? { value: text } : { error: 'required' };
  }
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return { error: 'required' };
  const n = Number(trimmed);
  if (!Number.isFinite(n)) return { error: 'number' };
  if ((field.min !== undefined && n < field.min) || (field.max !== undefined && n > field.max)) {
    return { error: 'range' };
  }
  if (typeof field.kind === 'object') return { value: Math.round(n * field.kind.seconds * 1000) / 1000 };
  if (!Number.isInteger(n)) return { error: 'number' };
  return { value: n };
}
