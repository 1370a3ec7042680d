import { useAuth } from '../../auth/auth';
import { can } from '../../auth/permissions';
import { PageHeader } from '../../components/layout/PageHeader';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../components/ui/tabs';
import { useI18n } from '../../i18n';
import { AuditTab } from './AuditTab';
import { EventsTab } from './EventsTab';

/** The event log for every role; the audit trail for roles with `system:logs`. */
export function EventsPage() {
  const { t } = useI18n();
  const { state } = useAuth();
  const showAudit = state.status === 'signed_in' && can(state.user.role, 'system:logs');
  return (
    <>
      <PageHeader title={t('nav.events')} description={t('events.description')} />
      {showAudit ? (
        <Tabs defaultValue="events" className="space-y-4">
          <TabsList>
            <TabsTrigger value="events">{t('events.tab.events')}</TabsTrigger>
            <TabsTrigger value="audit">{t('events.tab.audit')}</TabsTrigger>
          </TabsList>
          <TabsContent value="events" className="focus-visible:outline-2 focus-visible:outline-blue-600">
            <EventsTab />
          </TabsContent>
          <TabsContent value="audit" className="focus-visible:outline-2 focus-visible:outline-blue-600">
            <AuditTab />
          </TabsContent>
        </Tabs>
      ) : (
        <EventsTab />
      )}
    </>
  );
}
