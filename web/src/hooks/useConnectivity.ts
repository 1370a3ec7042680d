import { useSyncExternalStore } from 'react';
import type { ConnectivitySnapshot } from '../api/connectivity';
import { useApi } from '../api/context';

/** Whether the server answers; while it does not, the panel is read-only and shows its data's age. */
export function useConnectivity(): ConnectivitySnapshot {
  const { connectivity } = useApi();
  return useSyncExternalStore(connectivity.subscribe, connectivity.get, connectivity.get);
}
