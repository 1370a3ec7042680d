import { useLiveKioskStatus } from '../hooks/useKiosks';
import { useCan } from '../hooks/useRole';

function Subscribe() {
  useLiveKioskStatus();
  return null;
}

/** Keeps kiosks' online marks live for the roles that may read `/ws/events`. */
export function LiveKioskStatus() {
  return useCan('system:logs') ? <Subscribe /> : null;
}
