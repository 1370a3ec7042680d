import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/context';
import type { Kiosk } from '../../api/types';

/** The configured kiosks for filter menus; empty until loaded (or if loading fails). */
export function useKioskList(): Kiosk[] {
  const api = useApi();
  const query = useQuery({
    queryKey: ['kiosk-list'],
    queryFn: () => api.listKiosks(),
    staleTime: 5 * 60_000,
  });
  return query.data ?? [];
}
