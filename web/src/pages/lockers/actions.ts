// The staff actions on one locker (PRODUCT.md §3.3) and when each is offered: the role must have
// the permission (§7) and the locker must be in a state the server accepts it in
// (server/src/lockers/ops.rs). The server checks both again.

import type { Role } from '../../api/types';
import type { PanelLocker } from '../../api/lockers';
import { can, type Permission } from '../../auth/permissions';
import type { MessageKey } from '../../i18n';

export const LOCKER_ACTIONS = [
  'open_keep',
  'open_free',
  'release',
  'resolve',
  'block',
  'unblock',
  'transfer',
  'rename',
] as const;
export type LockerAction = (typeof LOCKER_ACTIONS)[number];

export interface ActionSpec {
  permission: Permission;
  label: MessageKey;
  /** Whether the locker's state allows it. */
  applies: (locker: PanelLocker) => boolean;
  destructive?: boolean;
}

const hasOwner = (l: PanelLocker) => l.owner_hint !== null;

export const ACTION_SPECS: Record<LockerAction, ActionSpec> = {
  open_keep: {
    permission: 'lockers:open',
    label: 'lockers.action.open_keep',
    applies: (l) => l.stored_state === 'free' || l.stored_state === 'owned',
  },
  open_free: {
    permission: 'lockers:open',
    label: 'lockers.action.open_free',
    applies: (l) => l.stored_state === 'owned' && !l.vip,
  },
  release: {
    permission: 'lockers:release_without_open',
    label: 'lockers.action.release',
    applies: (l) => l.stored_state === 'owned' && !l.vip,
    destructive: true,
  },
  resolve: {
    permission: 'lockers:open',
    label: 'lockers.action.resolve',
    applies: (l) => l.stored_state === 'error',
  },
  block: {
    permission: 'lockers:block',
    label: 'lockers.action.block',
    applies: (l) => l.stored_state !== 'blocked',
    destructive: true,
  },
  unblock: {
    permission: 'lockers:block',
    label: 'lockers.action.unblock',
    applies: (l) => l.stored_state === 'blocked',
  },
  transfer: {
    permission: 'lockers:transfer',
    label: 'lockers.action.transfer',
    applies: (l) => hasOwner(l) && l.stored_state !== 'free',
  },
  rename: {
    permission: 'system:configure',
    label: 'lockers.action.rename',
    applies: () => true,
  },
};

/** The actions a role may take on a locker in its current state, in display order. */
export function availableActions(role: Role, locker: PanelLocker): LockerAction[] {
  if (locker.opening) return [];
  return LOCKER_ACTIONS.filter((a) => {
    const spec = ACTION_SPECS[a];
    return can(role, spec.permission) && spec.applies(locker);
  });
}
