import type { Role } from '../api/types';
import { useAuth } from '../auth/auth';
import { can, type Permission } from '../auth/permissions';

/** The signed-in user's role; `auditor` (read-only) while nobody is signed in. */
export function useRole(): Role {
  const { state } = useAuth();
  return state.status === 'signed_in' ? state.user.role : 'auditor';
}

/** Whether the signed-in user may do something (the server checks again). */
export function useCan(permission: Permission): boolean {
  return can(useRole(), permission);
}
