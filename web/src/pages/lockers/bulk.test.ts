import { describe, expect, it } from 'vitest';
import { dictionaries, formatNumber, translate, type MessageKey, type Params } from '../../i18n';
import { MEN_LOCKERS, owned, locker } from './testFixtures';
import { bulkOpenSummary, planBulkOpen } from './bulk';

const en = (key: MessageKey, params?: Params) => translate(dictionaries.en, key, params);
const tr = (key: MessageKey, params?: Params) => translate(dictionaries.tr, key, params);
const MEN = "Men's changing room";

describe('bulk open confirmation', () => {
  it('names the lockers that open, says owners keep them, and lists what is skipped', () => {
    const plan = planBulkOpen(MEN_LOCKERS, true);
    expect(plan).toEqual({
      open: [1, 3, 7, 15, 21],
      owned: [3, 7, 15],
      skippedVip: [32],
      skippedBlocked: [12],
      skippedError: [],
    });
    expect(bulkOpenSummary(en, MEN, plan, false)).toEqual([
      "Open 5 lockers in Men's changing room: 1, 3, 7, 15, 21 — owners keep them.",
      'VIP lockers stay closed: 32.',
      'Blocked lockers are skipped: 12.',
    ]);
  });

  it('says owners lose their lockers when they are freed, and VIP ones open with the override', () => {
    const plan = planBulkOpen(MEN_LOCKERS, false);
    expect(plan.open).toEqual([1, 3, 7, 15, 21, 32]);
    expect(bulkOpenSummary(en, MEN, plan, true)[0]).toBe(
      "Open 6 lockers in Men's changing room: 1, 3, 7, 15, 21, 32 — owners lose them and the lockers become free.",
    );
  });

  it('speaks of one locker in the singular, and of free lockers as having no owner', () => {
    expect(bulkOpenSummary(en, MEN, planBulkOpen([locker(4)], true), false)).toEqual([
      "Open 1 locker in Men's changing room: 4 — none of them has an owner.",
    ]);
  });

  it('says so when none of the selected lockers can open', () => {
    const plan = planBulkOpen(
      [
        locker(12, { stored_state: 'blocked', state: 'blocked' }),
        owned(9, '…9999', { stored_state: 'error', state: 'error' }),
      ],
      true,
    );
    expect(bulkOpenSummary(en, MEN, plan, false)).toEqual([
      'None of the selected lockers can be opened.',
      'Blocked lockers are skipped: 12.',
      'Lockers in error are left out (resolve them first): 9.',
    ]);
  });

  it('reads in Turkish with Turkish number formatting for the count', () => {
    const many = Array.from({ length: 1200 }, (_, i) => owned(i + 1, '…0000'));
    const lines = bulkOpenSummary(tr, 'Erkek soyunma odası', planBulkOpen(many, true), false, (n) =>
      formatNumber(n, 'tr'),
    );
    expect(lines[0]).toMatch(/^Erkek soyunma odası içinde 1\.200 dolap açılacak: 1, 2, 3, .*1200 — sahipleri dolaplarını korur\.$/);
  });
});
