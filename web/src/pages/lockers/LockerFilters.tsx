import { Checkbox } from '../../components/ui/checkbox';
import { Input, Label } from '../../components/ui/input';
import { Select } from '../../components/ui/select';
import { useI18n } from '../../i18n';
import { LOCKER_FILTER_STATES, type LockerFilter } from './filter';

/** Search (number, name, card) and the state, VIP and overdue filters of the grid. */
export function LockerFilters({
  filter,
  onChange,
}: {
  filter: LockerFilter;
  onChange: (filter: LockerFilter) => void;
}) {
  const { t } = useI18n();
  return (
    <form
      role="search"
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => {
        e.preventDefault();
      }}
    >
      <div className="w-full space-y-1 sm:w-64">
        <Label htmlFor="locker-search">{t('lockers.filter.search')}</Label>
        <Input
          id="locker-search"
          type="search"
          value={filter.text}
          placeholder={t('lockers.filter.search_placeholder')}
          onChange={(e) => {
            onChange({ ...filter, text: e.target.value });
          }}
        />
      </div>
      <div className="space-y-1">
        <Label htmlFor="locker-state">{t('lockers.filter.state')}</Label>
        <Select
          id="locker-state"
          value={filter.state}
          onChange={(e) => {
            const state = LOCKER_FILTER_STATES.find((s) => s === e.target.value) ?? 'all';
            onChange({ ...filter, state });
          }}
        >
          <option value="all">{t('common.all')}</option>
          {LOCKER_FILTER_STATES.filter((s) => s !== 'all').map((s) => (
            <option key={s} value={s}>
              {t(`locker.${s}`)}
            </option>
          ))}
        </Select>
      </div>
      <div className="flex min-h-10 items-center gap-2">
        <Checkbox
          id="filter-vip"
          checked={filter.vip}
          onCheckedChange={(checked) => {
            onChange({ ...filter, vip: checked === true });
          }}
        />
        <Label htmlFor="filter-vip">{t('lockers.filter.vip')}</Label>
      </div>
      <div className="flex min-h-10 items-center gap-2">
        <Checkbox
          id="filter-overdue"
          checked={filter.overdue}
          onCheckedChange={(checked) => {
            onChange({ ...filter, overdue: checked === true });
          }}
        />
        <Label htmlFor="filter-overdue">{t('lockers.filter.overdue')}</Label>
      </div>
    </form>
  );
}
