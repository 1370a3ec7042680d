// The permission matrix of PRODUCT.md §7, mirrored so the panel hides what a role cannot do.
// The server enforces every permission itself; this only decides what is shown.

import type { Role } from '../api/types';

export const PERMISSIONS = {
  'lockers:view': ['admin', 'staff', 'auditor'],
  'lockers:open': ['admin', 'staff'],
  'lockers:bulk_open': ['admin', 'staff'],
  'lockers:block': ['admin'],
  'lockers:release_without_open': ['admin'],
  'lockers:transfer': ['admin'],
  'help:view': ['admin', 'staff', 'auditor'],
  'help:assign': ['admin', 'staff'],
  'help:resolve': ['admin', 'staff'],
  'reports:view': ['admin', 'staff', 'auditor'],
  'reports:export': ['admin', 'staff', 'auditor'],
  'system:configure': ['admin'],
  'system:users': ['admin'],
  'system:kiosks': ['admin'],
  'system:logs': ['admin', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
