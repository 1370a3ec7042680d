import { describe, expect, it } from 'vitest';
import { auditQuery, EMPTY_AUDIT_FILTERS, eventQuery } from './events';

const params = (query: string) => Object.fromEntries(new URLSearchParams(query));

describe('log queries', () => {
  it('sends the audit filters to the server, the whole local days of the date range', () => {
    const query = params(
      auditQuery({ ...EMPTY_AUDIT_FILTERS, action: ' login ', user: 'Derya', from: '2026-11-20', to: '2026-11-21' }, 'c9'),
    );
    expect(query.action).toBe('login');
    expect(query.user).toBe('derya');
    expect(query.from).toBe(new Date(2026, 10, 20).toISOString());
    expect(query.to).toBe(new Date(new Date(2026, 10, 22).getTime() - 1).toISOString());
    expect(query.cursor).toBe('c9');
  });

  it('leaves out empty filters', () => {
    expect(Object.keys(params(auditQuery(EMPTY_AUDIT_FILTERS, null)))).toEqual(['limit']);
  });

  it('builds the event query with the locker only when it is a number', () => {
    const query = params(
      eventQuery({ type: '', kiosk: 'men', locker: 'x', from: '', to: '' }, null),
    );
    expect(query).toEqual({ kiosk: 'men', limit: query.limit });
  });
});
