// What the member reads for each error code of the kiosk API (server/src/http/error.rs).

import { isKioskApiError } from './api';
import type { I18n, KioskKey } from './i18n';

const KNOWN: Record<string, KioskKey> = {
  no_free_lockers: 'error.no_free_lockers',
  locker_blocked: 'error.locker_blocked',
  locker_error: 'error.locker_error',
  relay_failed: 'error.relay_failed',
  session_expired: 'error.session_expired',
  locker_taken: 'error.locker_taken',
  locker_not_offered: 'error.locker_not_offered',
  open_only_window_passed: 'error.open_only_window_passed',
  credential_limit: 'error.credential_limit',
  card_busy: 'error.card_busy',
  invalid_card: 'error.invalid_card',
  command_in_flight: 'error.command_in_flight',
  network_error: 'error.network',
};

/** The error's code: the server's, `network_error`, or `unknown` for anything else thrown. */
export function codeOf(error: unknown): string {
  return isKioskApiError(error) ? error.code : 'unknown';
}

/** A sentence in the member's language for an error from the kiosk API. */
export function errorText(error: unknown, { t }: I18n): string {
  const code = codeOf(error);
  if (code === 'owned_elsewhere' && isKioskApiError(error)) {
    const number = /locker (\d+)/.exec(error.message)?.[1];
    return number ? t('error.owned_elsewhere_number', { number }) : t('error.owned_elsewhere');
  }
  const key = KNOWN[code];
  return key ? t(key) : t('error.unknown');
}
