import { describe, expect, it } from 'vitest';
import { matchesFilter, type LockerFilter } from './filter';
import { MEN_LOCKERS } from './testFixtures';

const none: LockerFilter = { text: '', state: 'all', vip: false, overdue: false };
const shown = (filter: Partial<LockerFilter>) =>
  MEN_LOCKERS.filter((l) => matchesFilter(l, { ...none, ...filter })).map((l) => l.number);

describe('grid search and filters', () => {
  it('finds a locker by number, name or the card hint', () => {
    expect(shown({ text: '3' })).toEqual([3, 32]);
    expect(shown({ text: 'vip 3' })).toEqual([32]);
    expect(shown({ text: 'c3d4' })).toEqual([3]);
    expect(shown({ text: '…1234' })).toEqual([15]);
    expect(shown({ text: '  ' })).toEqual(MEN_LOCKERS.map((l) => l.number));
  });

  it('narrows by state, VIP and overdue, together with the search', () => {
    expect(shown({ state: 'owned' })).toEqual([3, 7, 15]);
    expect(shown({ state: 'blocked' })).toEqual([12]);
    expect(shown({ vip: true })).toEqual([32]);
    expect(shown({ overdue: true })).toEqual([7]);
    expect(shown({ state: 'owned', text: '1' })).toEqual([15]);
  });

  it('compares names with the casing rules of the language', () => {
    const first = MEN_LOCKERS[0];
    if (!first) throw new Error('the fixture has lockers');
    const locker = { ...first, name: 'İSKELE TARAFI' };
    expect(matchesFilter(locker, { ...none, text: 'iskele' }, 'tr')).toBe(true);
    expect(matchesFilter(locker, { ...none, text: 'tarafı' }, 'tr')).toBe(true);
    // English rules turn İ into i + a combining dot, which a typed "i" does not match.
    expect(matchesFilter(locker, { ...none, text: 'iskele' }, 'en')).toBe(false);
  });
});
