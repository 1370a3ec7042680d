// Keeps every help query fresh from `/ws/help`, and (for the one caller that asks) announces new
// requests with a toast and the optional beep.

import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { HELP_CATEGORIES, type HelpCategory } from '../../api/help';
import { toast } from '../../components/ui/toaster';
import { useI18n } from '../../i18n';
import { useDebouncedCallback } from '../../hooks/useDebouncedCallback';
import { useRealtime } from '../../realtime/useRealtime';
import { CATEGORY_LABEL } from './labels';
import { helpSoundEnabled, playHelpBeep } from './sound';

/** Query keys of everything help-related start with this. */
export const HELP_KEY = 'help';

/** Requests already announced on this page, so a replay or a second listener does not repeat one. */
const announced = new Set<number>();

interface Announced {
  id: number;
  category: HelpCategory | undefined;
  kioskName: string;
  locker: number | null;
}

function readRequest(data: unknown): Announced | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const id = typeof d.id === 'number' ? d.id : Number(d.id);
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const category = HELP_CATEGORIES.find((c) => c === d.category);
  const kioskName =
    typeof d.kiosk_name === 'string' ? d.kiosk_name : typeof d.kiosk === 'string' ? d.kiosk : '';
  return { id, category, kioskName, locker: typeof d.locker === 'number' ? d.locker : null };
}

export function useHelpLive({ announce }: { announce: boolean }): void {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { t } = useI18n();
  const invalidate = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: [HELP_KEY] }),
    [queryClient],
  );
  const refresh = useDebouncedCallback(invalidate, 100);

  useRealtime('help', {
    type: ['help_requested', 'help_status_updated'],
    onEvent: (event) => {
      refresh();
      if (!announce || event.type !== 'help_requested') return;
      const request = readRequest(event.data);
      if (!request || announced.has(request.id)) return;
      announced.add(request.id);
      const what = request.category ? t(CATEGORY_LABEL[request.category]) : '';
      const where =
        request.locker === null
          ? request.kioskName
          : t('help.toast.where_locker', { kiosk: request.kioskName, locker: request.locker });
      toast(t('help.toast.title', { id: request.id }), {
        description: [what, where].filter(Boolean).join(' · '),
        action: {
          label: t('help.toast.open'),
          onClick: () => void navigate(`/help/${String(request.id)}`),
        },
      });
      if (helpSoundEnabled()) playHelpBeep();
    },
    onResync: refresh,
  });
}
