import { PageHeader } from '../../components/layout/PageHeader';
import { useI18n } from '../../i18n';

export function LockersPage() {
  const { t } = useI18n();
  return <PageHeader title={t('nav.lockers')} />;
}
