import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type ReactNode, type SyntheticEvent } from 'react';
import { isApiError } from '../../api/client';
import { useApi } from '../../api/context';
import {
  assignHelp,
  getHelp,
  helpPhotoUrl,
  MAX_REOPEN_REASON,
  MAX_RESOLUTION_NOTES,
  reopenHelp,
  resolveHelp,
  type HelpDetail,
} from '../../api/help';
import type { User } from '../../api/types';
import { listUsers } from '../../api/users';
import { useAuth } from '../../auth/auth';
import { can } from '../../auth/permissions';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Input, Label } from '../../components/ui/input';
import { Select } from '../../components/ui/select';
import { Sheet, SheetContent, SheetDescription, SheetTitle } from '../../components/ui/sheet';
import { Textarea } from '../../components/ui/textarea';
import { toast } from '../../components/ui/toaster';
import { formatDateTime, useI18n } from '../../i18n';
import { CATEGORY_LABEL, HISTORY_LABEL, STATUS_LABEL, STATUS_TONE } from './labels';
import { HELP_KEY } from './useHelpLive';

/** The request named in the URL, in a drawer; closing it goes back to the list. */
export function HelpDetailSheet({ id, onClose }: { id: number | null; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Sheet
      open={id !== null}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
    >
      <SheetContent className="sm:max-w-lg" data-testid="help-detail">
        {id !== null && <DetailBody id={id} />}
        {id === null && <SheetTitle className="sr-only">{t('help.title')}</SheetTitle>}
      </SheetContent>
    </Sheet>
  );
}

function useSignedInUser(): User | null {
  const { state } = useAuth();
  return state.status === 'signed_in' ? state.user : null;
}

function DetailBody({ id }: { id: number }) {
  const api = useApi();
  const { t } = useI18n();
  const user = useSignedInUser();
  const detail = useQuery({ queryKey: [HELP_KEY, 'detail', id], queryFn: () => getHelp(api, id) });

  if (detail.isPending) {
    return (
      <>
        <SheetTitle className="pr-8 text-lg font-semibold">{t('help.request', { id })}</SheetTitle>
        <SheetDescription role="status">{t('common.loading')}</SheetDescription>
      </>
    );
  }
  if (detail.isError) {
    const missing = isApiError(detail.error) && detail.error.status === 404;
    return (
      <>
        <SheetTitle className="pr-8 text-lg font-semibold">{t('help.request', { id })}</SheetTitle>
        <SheetDescription role="alert">
          {missing ? t('help.not_found') : t('common.error', { message: detail.error.message })}
        </SheetDescription>
      </>
    );
  }
  const request = detail.data;
  const mayAct = user !== null && can(user.role, 'help:assign');
  return (
    <>
      <div className="flex flex-wrap items-center gap-2 pr-8">
        <SheetTitle className="text-lg font-semibold">{t('help.request', { id })}</SheetTitle>
        <Badge tone={STATUS_TONE[request.status]} data-testid="help-detail-status">
          {t(STATUS_LABEL[request.status])}
        </Badge>
      </div>
      <SheetDescription className="text-sm text-slate-700 dark:text-slate-300">
        {t(CATEGORY_LABEL[request.category])} · {request.kiosk_name}
        {request.locker !== null && ` · ${t('help.locker_n', { locker: request.locker })}`}
      </SheetDescription>
      <Facts request={request} />
      {request.has_photo && (
        <figure className="space-y-1">
          <a href={helpPhotoUrl(api, id)} target="_blank" rel="noreferrer" className="block rounded focus-visible:outline-2 focus-visible:outline-blue-600">
            <img
              src={helpPhotoUrl(api, id)}
              alt={t('help.photo_alt', { id })}
              className="max-h-72 w-full rounded-md border border-slate-200 object-contain dark:border-slate-700"
            />
          </a>
          <figcaption className="text-xs text-slate-700 dark:text-slate-300">{t('help.photo_caption')}</figcaption>
        </figure>
      )}
      {mayAct && <Actions request={request} user={user} />}
      <History request={request} />
    </>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[8rem_1fr] gap-2">
      <dt className="font-medium text-slate-700 dark:text-slate-300">{label}</dt>
      <dd className="break-words">{children}</dd>
    </div>
  );
}

function Facts({ request }: { request: HelpDetail }) {
  const { t } = useI18n();
  return (
    <dl className="space-y-1.5 text-sm">
      <Fact label={t('help.field.kiosk')}>{request.kiosk_name}</Fact>
      <Fact label={t('help.field.locker')}>{request.locker ?? '—'}</Fact>
      <Fact label={t('help.field.source')}>{t(`help.source.${request.source}`)}</Fact>
      <Fact label={t('help.field.created_at')}>{formatDateTime(request.created_at)}</Fact>
      <Fact label={t('help.field.updated_at')}>{formatDateTime(request.updated_at)}</Fact>
      {request.resolved_at && (
        <Fact label={t('help.field.resolved_at')}>{formatDateTime(request.resolved_at)}</Fact>
      )}
      <Fact label={t('help.field.assigned_to')}>
        <span data-testid="help-detail-assignee">{request.assigned_to?.username ?? t('help.unassigned')}</span>
      </Fact>
      <Fact label={t('help.field.note')}>{request.note ?? '—'}</Fact>
      {request.resolution_notes && (
        <Fact label={t('help.field.resolution_notes')}>{request.resolution_notes}</Fact>
      )}
    </dl>
  );
}

function History({ request }: { request: HelpDetail }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="help-history-title" className="space-y-2">
      <h3 id="help-history-title" className="text-base font-semibold">
        {t('help.history.title')}
      </h3>
      <ol className="space-y-2 border-l-2 border-slate-200 pl-4 text-sm dark:border-slate-700" data-testid="help-history">
        {request.history.map((entry, i) => (
          <li key={`${entry.at}-${String(i)}`} data-action={entry.action}>
            <p>
              <span className="font-medium">{t(HISTORY_LABEL[entry.action])}</span>
              {entry.assigned_to && ` → ${entry.assigned_to.username}`}
            </p>
            <p className="text-slate-700 dark:text-slate-300">
              {formatDateTime(entry.at)} · {entry.by?.username ?? t('help.by_system')}
            </p>
            {entry.note && <p className="whitespace-pre-wrap">{entry.note}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Assign, resolve and reopen, for roles that may. */
function Actions({ request, user }: { request: HelpDetail; user: User }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="help-actions-title" className="space-y-4 rounded-lg border border-slate-200 p-4 dark:border-slate-700">
      <h3 id="help-actions-title" className="text-base font-semibold">
        {t('help.actions')}
      </h3>
      {request.status === 'resolved' ? (
        <ReopenForm request={request} />
      ) : (
        <>
          <AssignForm request={request} user={user} />
          <ResolveForm request={request} />
        </>
      )}
    </section>
  );
}

function useHelpAction<V>(run: (value: V) => Promise<unknown>, done: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: async () => {
      toast.success(done);
      await queryClient.invalidateQueries({ queryKey: [HELP_KEY] });
    },
  });
}

function AssignForm({ request, user }: { request: HelpDetail; user: User }) {
  const api = useApi();
  const { t } = useI18n();
  const id = useId();
  const mayListUsers = can(user.role, 'system:users');
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => listUsers(api),
    enabled: mayListUsers,
  });
  const assignees = (users.data ?? []).filter(
    (u) => u.active && u.role !== 'auditor' && u.id !== user.id,
  );
  const [assignee, setAssignee] = useState(user.id);
  const assign = useHelpAction(
    (to: string) => assignHelp(api, request.id, to === user.id ? undefined : to),
    t('help.assigned_done', { id: request.id }),
  );

  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        assign.mutate(assignee);
      }}
    >
      {assignees.length > 0 ? (
        <div className="flex flex-wrap items-end gap-2">
          <div className="min-w-40 flex-1">
            <Label htmlFor={`${id}-assignee`}>{t('help.assign_to')}</Label>
            <Select
              id={`${id}-assignee`}
              className="w-full"
              value={assignee}
              onChange={(e) => {
                setAssignee(e.target.value);
              }}
            >
              <option value={user.id}>{t('help.me', { name: user.username })}</option>
              {assignees.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.username}
                </option>
              ))}
            </Select>
          </div>
          <Button type="submit" variant="secondary" disabled={assign.isPending}>
            {t('help.assign')}
          </Button>
        </div>
      ) : (
        <Button type="submit" variant="secondary" disabled={assign.isPending || request.assigned_to?.id === user.id}>
          {t('help.assign_to_me')}
        </Button>
      )}
      {assign.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {assign.error.message}
        </p>
      )}
    </form>
  );
}

function ResolveForm({ request }: { request: HelpDetail }) {
  const api = useApi();
  const { t, number } = useI18n();
  const id = useId();
  const [notes, setNotes] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const resolve = useHelpAction(
    (text: string) => resolveHelp(api, request.id, text),
    t('help.resolved_done', { id: request.id }),
  );
  const serverError = resolve.isError ? resolve.error.message : null;
  const error = invalid ?? serverError;

  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    const text = notes.trim();
    if (text === '') {
      setInvalid(t('help.notes_required'));
      return;
    }
    setInvalid(null);
    resolve.mutate(text, {
      onSuccess: () => {
        setNotes('');
      },
    });
  };

  return (
    <form className="space-y-2" onSubmit={submit} noValidate>
      <Label htmlFor={`${id}-notes`}>{t('help.resolution_notes')}</Label>
      <Textarea
        id={`${id}-notes`}
        value={notes}
        required
        maxLength={MAX_RESOLUTION_NOTES}
        aria-invalid={error !== null}
        aria-describedby={error === null ? `${id}-hint` : `${id}-error`}
        onChange={(e) => {
          setNotes(e.target.value);
          if (invalid !== null && e.target.value.trim() !== '') setInvalid(null);
        }}
      />
      {error === null ? (
        <p id={`${id}-hint`} className="text-xs text-slate-700 dark:text-slate-300">
          {t('help.resolution_hint', { max: number(MAX_RESOLUTION_NOTES) })}
        </p>
      ) : (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      <Button type="submit" disabled={resolve.isPending}>
        {t('help.resolve')}
      </Button>
    </form>
  );
}

function ReopenForm({ request }: { request: HelpDetail }) {
  const api = useApi();
  const { t } = useI18n();
  const id = useId();
  const [reason, setReason] = useState('');
  const reopen = useHelpAction(
    (text: string) => reopenHelp(api, request.id, text.trim() || undefined),
    t('help.reopened_done', { id: request.id }),
  );
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        reopen.mutate(reason, {
          onSuccess: () => {
            setReason('');
          },
        });
      }}
    >
      <Label htmlFor={`${id}-reason`}>{t('help.reopen_reason')}</Label>
      <Input
        id={`${id}-reason`}
        value={reason}
        maxLength={MAX_REOPEN_REASON}
        onChange={(e) => {
          setReason(e.target.value);
        }}
      />
      {reopen.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {reopen.error.message}
        </p>
      )}
      <Button type="submit" variant="secondary" disabled={reopen.isPending}>
        {t('help.reopen')}
      </Button>
    </form>
  );
}
