import type { HelpCategory, HelpHistoryEntry, HelpSort, HelpStatus } from '../../api/help';
import type { MessageKey } from '../../i18n';

export const CATEGORY_LABEL: Record<HelpCategory, MessageKey> = {
  access_issue: 'help.category.access_issue',
  card_issue: 'help.category.card_issue',
  payment_issue: 'help.category.payment_issue',
  other: 'help.category.other',
};

export const STATUS_LABEL: Record<HelpStatus, MessageKey> = {
  open: 'help.status.open',
  assigned: 'help.status.assigned',
  resolved: 'help.status.resolved',
};

export const STATUS_TONE = { open: 'danger', assigned: 'warning', resolved: 'success' } as const;

export const SORT_LABEL: Record<HelpSort, MessageKey> = {
  '-created_at': 'help.sort.newest',
  created_at: 'help.sort.oldest',
  '-updated_at': 'help.sort.recently_updated',
  updated_at: 'help.sort.least_recently_updated',
  status: 'help.sort.status',
};

export const HISTORY_LABEL: Record<HelpHistoryEntry['action'], MessageKey> = {
  created: 'help.history.created',
  assigned: 'help.history.assigned',
  resolved: 'help.history.resolved',
  reopened: 'help.history.reopened',
};
