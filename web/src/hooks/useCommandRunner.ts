// Runs staff commands and says how they went (PRODUCT.md §3.3, §5.3): a toast while the command
// is under way, then its outcome. Single-locker commands answer once finished; bulk open and end
// of day answer `running` and finish later — their end is the `command_applied` message on
// `/ws/lockers`, with `GET /api/commands/{id}` polled as a fallback in case the message is missed.

import { useCallback } from 'react';
import { ApiError, isApiError, type ApiClient } from '../api/client';
import { useApi } from '../api/context';
import { getCommand, isFinished, type CommandView } from '../api/lockers';
import { toast } from '../components/ui/toaster';
import { useI18n, type MessageKey } from '../i18n';
import type { RealtimeEvent } from '../realtime/events';
import { sharedRealtimeClient } from '../realtime/useRealtime';

const POLL_MS = 1_000;
const GIVE_UP_MS = 10 * 60_000;

/** Server error codes with a sentence of their own. */
const ERROR_MESSAGES: Record<string, MessageKey> = {
  vip_override_required: 'lockers.error.vip_override_required',
  command_in_flight: 'lockers.error.command_in_flight',
  locker_blocked: 'lockers.error.locker_blocked',
  locker_error: 'lockers.error.locker_error',
  relay_failed: 'lockers.error.relay_failed',
  invalid_state: 'lockers.error.invalid_state',
  reason_required: 'lockers.error.reason_required',
  name_taken: 'lockers.error.name_taken',
  credential_limit: 'lockers.error.credential_limit',
  invalid_card: 'lockers.error.invalid_card',
  locker_taken: 'lockers.error.locker_taken',
  forbidden: 'lockers.error.forbidden',
  network_error: 'lockers.error.network',
};

/** A sentence for a failed request or command, in the current language. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useI18n();
  return useCallback(
    (error: unknown) => {
      if (isApiError(error)) {
        const key = ERROR_MESSAGES[error.code];
        if (key) return t(key);
        if (error.status === 403) return t('lockers.error.forbidden');
        return error.message;
      }
      return error instanceof Error ? error.message : String(error);
    },
    [t],
  );
}

/** Resolves with the finished command: on its `command_applied` message or by polling. */
export function waitForCommand(api: ApiClient, id: string): Promise<CommandView> {
  return new Promise((resolve, reject) => {
    const client = sharedRealtimeClient(api, 'lockers');
    const started = Date.now();
    let done = false;
    let poll: ReturnType<typeof setTimeout> | undefined;
    const finish = (command: CommandView) => {
      if (done) return;
      done = true;
      off();
      if (poll !== undefined) clearTimeout(poll);
      resolve(command);
    };
    const check = () => {
      getCommand(api, id).then(
        (command) => {
          if (isFinished(command)) finish(command);
          else schedule();
        },
        (error: unknown) => {
          if (isApiError(error) && error.status >= 400 && error.status < 500) {
            done = true;
            off();
            reject(error);
          } else schedule();
        },
      );
    };
    const schedule = () => {
      if (done) return;
      if (Date.now() - started > GIVE_UP_MS) {
        done = true;
        off();
        reject(new Error('timeout'));
        return;
      }
      poll = setTimeout(check, POLL_MS);
    };
    const off = client.subscribe('command_applied', (event: RealtimeEvent<'command_applied'>) => {
      if (event.data.command.id !== id || done) return;
      if (poll !== undefined) clearTimeout(poll);
      // The message says it is over; the command itself carries the report.
      check();
    });
    schedule();
  });
}

export interface RunOptions {
  /** Shown while it runs ("Opening locker 5…"). */
  pending: string;
  /** Shown when it succeeded. */
  success: (command: CommandView) => string;
}

/**
 * Starts a command and follows it to the end with one toast. Rejects (with the sentence to show)
 * when the server refuses it or it fails, so a dialog can show the reason too.
 */
export function useCommandRunner(): (
  start: () => Promise<CommandView>,
  options: RunOptions,
) => Promise<CommandView> {
  const api = useApi();
  const { t } = useI18n();
  const errorText = useErrorText();
  return useCallback(
    async (start, options) => {
      const id = toast.loading(options.pending);
      try {
        let command = await start();
        if (!isFinished(command)) command = await waitForCommand(api, command.id);
        if (command.state !== 'succeeded') {
          throw command.error
            ? new ApiError({ status: 0, code: command.error, message: command.error })
            : new Error(t(`lockers.command.${command.state}`));
        }
        toast.success(options.success(command), { id });
        return command;
      } catch (error) {
        const message = errorText(error);
        toast.error(t('lockers.command.failed_with', { reason: message }), { id });
        throw new Error(message, { cause: error });
      }
    },
    [api, t, errorText],
  );
}
