import { describe, expect, it } from 'vitest';
import { can } from './permissions';

describe('can', () => {
  it('lets an auditor view but never act', () => {
    expect(can('auditor', 'lockers:view')).toBe(true);
    expect(can('auditor', 'help:view')).toBe(true);
    expect(can('auditor', 'system:logs')).toBe(true);
    expect(can('auditor', 'lockers:open')).toBe(false);
    expect(can('auditor', 'lockers:bulk_open')).toBe(false);
    expect(can('auditor', 'help:resolve')).toBe(false);
    expect(can('auditor', 'system:users')).toBe(false);
  });

  it('lets staff open lockers and handle help, but not block, transfer or configure', () => {
    expect(can('staff', 'lockers:open')).toBe(true);
    expect(can('staff', 'help:assign')).toBe(true);
    expect(can('staff', 'lockers:block')).toBe(false);
    expect(can('staff', 'lockers:transfer')).toBe(false);
    expect(can('staff', 'system:configure')).toBe(false);
    expect(can('staff', 'system:logs')).toBe(false);
  });

  it('lets an admin do everything', () => {
    expect(can('admin', 'lockers:block')).toBe(true);
    expect(can('admin', 'system:users')).toBe(true);
    expect(can('admin', 'system:kiosks')).toBe(true);
  });
});
