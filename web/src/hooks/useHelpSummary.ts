import { useQuery, useQueryClient } from '@tanstack/react-query';
import { isApiError } from '../api/client';
import { useApi } from '../api/context';
import { useRealtime } from '../realtime/useRealtime';

/** `GET /api/help/summary`: help requests by status. */
export interface HelpSummary {
  open: number;
  assigned: number;
  unresolved: number;
}

export const HELP_SUMMARY_KEY = ['help', 'summary'] as const;

/**
 * The help counts, refreshed when a help request is raised or changes. `data` stays undefined
 * when the server has no help centre (404), so the caller can leave the tile out.
 */
export function useHelpSummary() {
  const api = useApi();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: HELP_SUMMARY_KEY,
    queryFn: () => api.request<HelpSummary>('GET', '/api/help/summary'),
    retry: false,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: HELP_SUMMARY_KEY });
  };
  useRealtime('help', {
    type: ['help_requested', 'help_status_updated'],
    onEvent: refresh,
    onResync: refresh,
  });
  const missing = query.isError && isApiError(query.error) && query.error.status === 404;
  return { summary: query.data, missing, error: query.isError && !missing ? query.error : null };
}
