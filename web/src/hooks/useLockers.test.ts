import { describe, expect, it } from 'vitest';
import type { PanelLocker } from '../api/lockers';
import type { LockerStateChangedData } from '../realtime/events';
import { locker, owned } from '../pages/lockers/testFixtures';
import { applyDoorChange, applyLockerChange, mergeLockers } from './useLockers';

const TS = '2025-03-04T09:00:00Z';
const change = (fields: Partial<LockerStateChangedData>): LockerStateChangedData => ({
  kiosk_id: 'men',
  locker: 1,
  old_state: 'free',
  new_state: 'owned',
  ...fields,
});

describe('applyLockerChange', () => {
  const list: PanelLocker[] = [locker(1), owned(3, '…C3D4', { version: 4 }), locker(32, { vip: true, state: 'vip' })];

  it('takes a free locker: owned now, with the new card and a fresh clock', () => {
    const next = applyLockerChange(list, change({ owner_hint: '…ABCD', version: 2 }), TS);
    expect(next?.[0]).toMatchObject({
      state: 'owned',
      stored_state: 'owned',
      owner_hint: '…ABCD',
      owned_at: TS,
      held_seconds: 0,
      version: 2,
    });
    expect(next?.[1]).toBe(list[1]);
  });

  it('frees a locker: no owner, not overdue', () => {
    const overdue = [owned(3, '…C3D4', { version: 4, overdue: true })];
    const next = applyLockerChange(
      overdue,
      change({ locker: 3, old_state: 'owned', new_state: 'free', owner_hint: '…C3D4', version: 5 }),
      TS,
    );
    expect(next?.[0]).toMatchObject({ state: 'free', owner_hint: null, owned_at: null, overdue: false });
  });

  it('marks opening while the pulse is in flight, and the stored change clears it', () => {
    const opening = applyLockerChange(list, change({ new_state: 'opening', transient: true }), TS);
    expect(opening?.[0]?.opening).toBe(true);
    expect(opening?.[0]?.state).toBe('free');
    const done = applyLockerChange(opening, change({ version: 2 }), TS);
    expect(done?.[0]?.opening).toBeUndefined();
    expect(done?.[0]?.state).toBe('owned');
  });

  it('ignores a replayed message older than what it holds, but still ends the opening mark', () => {
    expect(applyLockerChange(list, change({ locker: 3, new_state: 'free', version: 4 }), TS)).toBe(list);
    const opening = applyLockerChange(list, change({ locker: 3, new_state: 'opening', transient: true }), TS);
    const settled = applyLockerChange(opening, change({ locker: 3, new_state: 'free', version: 3 }), TS);
    expect(settled?.[1]).toMatchObject({ state: 'owned', version: 4 });
    expect(settled?.[1]?.opening).toBeUndefined();
  });

  it('keeps a VIP locker VIP when its contract card takes or leaves it', () => {
    const next = applyLockerChange(list, change({ locker: 32, version: 2 }), TS);
    expect(next?.[2]).toMatchObject({ state: 'vip', stored_state: 'owned' });
    const blocked = applyLockerChange(list, change({ locker: 32, new_state: 'blocked', version: 2 }), TS);
    expect(blocked?.[2]?.state).toBe('blocked');
  });

  it('leaves other kiosks and unknown lockers alone', () => {
    expect(applyLockerChange(list, change({ kiosk_id: 'women' }), TS)).toBe(list);
    expect(applyLockerChange(list, change({ locker: 99 }), TS)).toBe(list);
    expect(applyLockerChange(undefined, change({}), TS)).toBeUndefined();
  });
});

describe('mergeLockers and applyDoorChange', () => {
  it('keeps a newer cached locker over an older fetched one', () => {
    const cached = [owned(1, '…ABCD', { version: 3 })];
    expect(mergeLockers(cached, [locker(1, { version: 2 })])[0]).toBe(cached[0]);
    expect(mergeLockers(cached, [locker(1, { version: 4 })])[0]?.state).toBe('free');
  });

  it('shows the door as the sensor reports it', () => {
    const next = applyDoorChange([locker(1)], { kiosk_id: 'men', locker: 1, event: 'door_opened', door: 'open' });
    expect(next?.[0]?.door).toBe('open');
    const closed = applyDoorChange(next, { kiosk_id: 'men', locker: 1, event: 'door_closed' });
    expect(closed?.[0]?.door).toBe('closed');
  });
});
