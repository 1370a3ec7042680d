import { useI18n } from '../i18n';
import { Input, Label } from './ui/input';

/**
 * The "from" and "to" days of a filter form, as two cells of its grid. Each bounds the other's
 * picker, so a range cannot be chosen backwards. `id` prefixes the fields' ids (`{id}-from`,
 * `{id}-to`).
 */
export function DateRangeFields({
  id,
  from,
  to,
  onChange,
}: {
  id: string;
  from: string;
  to: string;
  onChange: (key: 'from' | 'to', day: string) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <div>
        <Label htmlFor={`${id}-from`}>{t('common.date_from')}</Label>
        <Input
          id={`${id}-from`}
          type="date"
          value={from}
          max={to || undefined}
          onChange={(e) => {
            onChange('from', e.target.value);
          }}
        />
      </div>
      <div>
        <Label htmlFor={`${id}-to`}>{t('common.date_to')}</Label>
        <Input
          id={`${id}-to`}
          type="date"
          value={to}
          min={from || undefined}
          onChange={(e) => {
            onChange('to', e.target.value);
          }}
        />
      </div>
    </>
  );
}
