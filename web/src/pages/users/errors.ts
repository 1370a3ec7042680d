import { isApiError } from '../../api/client';
import type { MessageKey } from '../../i18n';

/** Server error codes with a message of our own; anything else shows the server's text. */
const KNOWN: Record<string, MessageKey> = {
  username_taken: 'users.error.username_taken',
  cannot_change_self: 'users.error.cannot_change_self',
  last_admin: 'users.error.last_admin',
};

export function errorText(error: unknown, t: (key: MessageKey) => string): string {
  if (isApiError(error)) {
    const key = KNOWN[error.code];
    if (key) return t(key);
    if (error.status === 0) return t('users.error.network');
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The field an error is about, when the server names one. */
export function errorField(error: unknown): string | undefined {
  return isApiError(error) ? error.field : undefined;
}
