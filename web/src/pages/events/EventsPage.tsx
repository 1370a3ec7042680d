import { PageHeader } from '../../components/layout/PageHeader';
import { useI18n } from '../../i18n';

export function EventsPage() {
  const { t } = useI18n();
  return <PageHeader title={t('nav.events')} />;
}
