import { useQuery } from '@tanstack/react-query';
import { helpSummary } from '../../api/help';
import { useApi } from '../../api/context';
import { useI18n } from '../../i18n';
import { HELP_KEY, useHelpLive } from './useHelpLive';

/**
 * The number of unresolved help requests next to "Help" in the navigation: "(3)", kept live from
 * `/ws/help`. Being in the header on every page, it also announces new requests.
 */
export function HelpNavBadge() {
  const api = useApi();
  const { t, number } = useI18n();
  useHelpLive({ announce: true });
  const summary = useQuery({
    queryKey: [HELP_KEY, 'summary'],
    queryFn: () => helpSummary(api),
  });
  const count = summary.data?.unresolved ?? 0;
  if (count === 0) return null;
  const label = t('help.badge_label', { count: number(count) });
  return (
    <span data-testid="help-count" data-count={count} title={label}>
      <span aria-hidden="true">({number(count)})</span>
      <span className="sr-only">{label}</span>
    </span>
  );
}
