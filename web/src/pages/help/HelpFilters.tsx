import { XIcon } from 'lucide-react';
import { useId } from 'react';
import {
  DEFAULT_HELP_FILTERS,
  HELP_CATEGORIES,
  HELP_SORTS,
  HELP_STATUSES,
  type HelpFilters as Filters,
} from '../../api/help';
import type { Kiosk } from '../../api/types';
import { DateRangeFields } from '../../components/DateRangeFields';
import { Button } from '../../components/ui/button';
import { Input, Label } from '../../components/ui/input';
import { Select } from '../../components/ui/select';
import { useI18n } from '../../i18n';
import { CATEGORY_LABEL, SORT_LABEL, STATUS_LABEL } from './labels';

/** The list's filters. Every change applies at once (text search after a short pause, upstream). */
export function HelpFilters({
  filters,
  search,
  kiosks,
  onChange,
  onSearch,
}: {
  filters: Filters;
  /** The search box's text, which may run ahead of `filters.q`. */
  search: string;
  kiosks: Kiosk[];
  onChange: (next: Filters) => void;
  onSearch: (text: string) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => {
    onChange({ ...filters, [key]: value });
  };
  const active =
    search !== '' ||
    (Object.keys(DEFAULT_HELP_FILTERS) as (keyof Filters)[]).some(
      (key) => key !== 'sort' && filters[key] !== DEFAULT_HELP_FILTERS[key],
    );

  return (
    <form
      role="search"
      aria-label={t('help.filters')}
      className="mb-4 grid grid-cols-2 gap-3 lg:grid-cols-4 xl:grid-cols-8"
      onSubmit={(e) => {
        e.preventDefault();
      }}
    >
      <div className="col-span-2">
        <Label htmlFor={`${id}-q`}>{t('common.search')}</Label>
        <Input
          id={`${id}-q`}
          type="search"
          value={search}
          placeholder={t('help.search_placeholder')}
          onChange={(e) => {
            onSearch(e.target.value);
          }}
        />
      </div>
      <div>
        <Label htmlFor={`${id}-status`}>{t('help.field.status')}</Label>
        <Select
          id={`${id}-status`}
          className="w-full"
          value={filters.status}
          onChange={(e) => {
            set('status', HELP_STATUSES.find((s) => s === e.target.value) ?? '');
          }}
        >
          <option value="">{t('common.all')}</option>
          {HELP_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(STATUS_LABEL[s])}
            </option>
          ))}
        </Select>
      </div>
      <div>
        <Label htmlFor={`${id}-category`}>{t('help.field.category')}</Label>
        <Select
          id={`${id}-category`}
          className="w-full"
          value={filters.category}
          onChange={(e) => {
            set('category', HELP_CATEGORIES.find((c) => c === e.target.value) ?? '');
          }}
        >
          <option value="">{t('common.all')}</option>
          {HELP_CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {t(CATEGORY_LABEL[c])}
            </option>
          ))}
        </Select>
      </div>
      <div>
        <Label htmlFor={`${id}-kiosk`}>{t('help.field.kiosk')}</Label>
        <Select
          id={`${id}-kiosk`}
          className="w-full"
          value={filters.kiosk}
          onChange={(e) => {
            set('kiosk', e.target.value);
          }}
        >
          <option value="">{t('common.all')}</option>
          {kiosks.map((k) => (
            <option key={k.id} value={k.id}>
              {k.name}
            </option>
          ))}
        </Select>
      </div>
      <DateRangeFields id={id} from={filters.from} to={filters.to} onChange={set} />
      <div>
        <Label htmlFor={`${id}-sort`}>{t('help.filter.sort')}</Label>
        <Select
          id={`${id}-sort`}
          className="w-full"
          value={filters.sort}
          onChange={(e) => {
            set('sort', HELP_SORTS.find((s) => s === e.target.value) ?? DEFAULT_HELP_FILTERS.sort);
          }}
        >
          {HELP_SORTS.map((s) => (
            <option key={s} value={s}>
              {t(SORT_LABEL[s])}
            </option>
          ))}
        </Select>
      </div>
      {active && (
        <div className="flex items-end">
          <Button
            variant="ghost"
            onClick={() => {
              onSearch('');
              onChange({ ...DEFAULT_HELP_FILTERS, sort: filters.sort });
            }}
          >
            <XIcon aria-hidden />
            {t('help.filter.clear')}
          </Button>
        </div>
      )}
    </form>
  );
}
