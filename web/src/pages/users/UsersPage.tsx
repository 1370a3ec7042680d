import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { UserPlusIcon } from 'lucide-react';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { Role } from '../../api/types';
import {
  createUser,
  listSessions,
  listUsers,
  revokeSession,
  ROLES,
  setPassword,
  updateUser,
  type StaffAccount,
  type StaffSession,
} from '../../api/users';
import { useAuth } from '../../auth/auth';
import { PageHeader } from '../../components/layout/PageHeader';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { Select } from '../../components/ui/select';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '../../components/ui/table';
import { toast } from '../../components/ui/toaster';
import { formatDateTime, useI18n } from '../../i18n';
import { errorText } from './errors';
import { CreateUserDialog, PasswordDialog } from './UserForms';

const USERS_KEY = ['users'] as const;
const SESSIONS_KEY = ['sessions'] as const;

export function UsersPage() {
  const { t } = useI18n();
  const [creating, setCreating] = useState(false);
  const api = useApi();
  const queryClient = useQueryClient();
  return (
    <>
      <PageHeader
        title={t('nav.users')}
        description={t('users.description')}
        actions={
          <Button
            onClick={() => {
              setCreating(true);
            }}
          >
            <UserPlusIcon aria-hidden />
            {t('users.create.open')}
          </Button>
        }
      />
      <div className="space-y-10">
        <Accounts />
        <Sessions />
      </div>
      <CreateUserDialog
        open={creating}
        onOpenChange={setCreating}
        onCreate={async (account) => {
          const created = await createUser(api, account);
          toast.success(t('users.created', { name: created.username }));
          await queryClient.invalidateQueries({ queryKey: USERS_KEY });
        }}
      />
    </>
  );
}

function Loading({ pending, error, retry }: { pending: boolean; error: Error | null; retry: () => void }) {
  const { t } = useI18n();
  if (pending) {
    return (
      <p role="status" className="text-slate-700 dark:text-slate-300">
        {t('common.loading')}
      </p>
    );
  }
  if (!error) return null;
  return (
    <div role="alert" className="space-y-3">
      <p>{t('common.error', { message: error.message })}</p>
      <Button variant="secondary" onClick={retry}>
        {t('common.retry')}
      </Button>
    </div>
  );
}

function Accounts() {
  const api = useApi();
  const { t } = useI18n();
  const { state } = useAuth();
  const me = state.status === 'signed_in' ? state.user.id : null;
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: USERS_KEY, queryFn: () => listUsers(api) });
  const [toggling, setToggling] = useState<StaffAccount | null>(null);
  const [resetting, setResetting] = useState<StaffAccount | null>(null);

  const update = useMutation({
    mutationFn: (change: { id: string; role?: Role; active?: boolean }) => {
      const { id, ...rest } = change;
      return updateUser(api, id, rest);
    },
    onSuccess: async (account) => {
      toast.success(t('users.updated', { name: account.username }));
      await queryClient.invalidateQueries({ queryKey: USERS_KEY });
      await queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
    },
    onError: (error) => {
      toast.error(errorText(error, t));
    },
  });

  return (
    <section aria-labelledby="users-accounts" className="space-y-3">
      <h2 id="users-accounts" className="text-lg font-semibold">
        {t('users.accounts')}
      </h2>
      <Loading pending={users.isPending} error={users.error} retry={() => void users.refetch()} />
      {users.data && (
        <Table data-testid="users-table" scrollLabel={t('users.accounts')}>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">{t('users.field.username')}</TableHead>
              <TableHead scope="col">{t('users.field.role')}</TableHead>
              <TableHead scope="col" className="hidden sm:table-cell">
                {t('users.field.status')}
              </TableHead>
              <TableHead scope="col" className="hidden md:table-cell">
                {t('users.field.last_login')}
              </TableHead>
              <TableHead scope="col" className="hidden lg:table-cell">
                {t('users.field.created')}
              </TableHead>
              <TableHead scope="col">
                <span className="sr-only">{t('users.field.actions')}</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {users.data.map((account) => {
              const self = account.id === me;
              return (
                <TableRow key={account.id} data-testid={`user-row-${account.username}`}>
                  <TableCell className="font-medium">
                    {account.username}
                    {self && <span className="ml-2 text-xs text-slate-700 dark:text-slate-300">{t('users.you')}</span>}
                    <Badge tone={account.active ? 'success' : 'neutral'} className="mt-1 flex w-fit sm:hidden">
                      {account.active ? t('users.active') : t('users.inactive')}
                    </Badge>
                  </TableCell>
                  <TableCell>
                    <Select
                      aria-label={t('users.role_of', { name: account.username })}
                      value={account.role}
                      disabled={self || update.isPending}
                      className="min-h-9"
                      onChange={(e) => {
                        const role = ROLES.find((r) => r === e.target.value);
                        if (role) update.mutate({ id: account.id, role });
                      }}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {t(`role.${r}`)}
                        </option>
                      ))}
                    </Select>
                  </TableCell>
                  <TableCell className="hidden sm:table-cell">
                    <Badge tone={account.active ? 'success' : 'neutral'}>
                      {account.active ? t('users.active') : t('users.inactive')}
                    </Badge>
                  </TableCell>
                  <TableCell className="hidden whitespace-nowrap md:table-cell">
                    {account.last_login_at ? formatDateTime(account.last_login_at) : t('common.never')}
                  </TableCell>
                  <TableCell className="hidden whitespace-nowrap lg:table-cell">
                    {account.created_at ? formatDateTime(account.created_at) : '—'}
                  </TableCell>
                  <TableCell>
                    <div className="flex flex-col items-stretch gap-2 sm:flex-row sm:flex-wrap sm:justify-end">
                      <Button
                        size="sm"
                        variant="secondary"
                        aria-label={t('users.reset_password_of', { name: account.username })}
                        onClick={() => {
                          setResetting(account);
                        }}
                      >
                        {t('users.reset_password')}
                      </Button>
                      <Button
                        size="sm"
                        variant={account.active ? 'destructive' : 'secondary'}
                        disabled={self}
                        aria-label={t(account.active ? 'users.deactivate_of' : 'users.reactivate_of', {
                          name: account.username,
                        })}
                        onClick={() => {
                          setToggling(account);
                        }}
                      >
                        {account.active ? t('users.deactivate') : t('users.reactivate')}
                      </Button>
                    </div>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <ConfirmDialog
        open={toggling !== null}
        onOpenChange={(open) => {
          if (!open) setToggling(null);
        }}
        title={t(toggling?.active ? 'users.deactivate_title' : 'users.reactivate_title', {
          name: toggling?.username ?? '',
        })}
        description={t(toggling?.active ? 'users.deactivate_description' : 'users.reactivate_description')}
        confirmLabel={toggling?.active ? t('users.deactivate') : t('users.reactivate')}
        destructive={toggling?.active ?? false}
        onConfirm={async () => {
          if (!toggling) return;
          try {
            await update.mutateAsync({ id: toggling.id, active: !toggling.active });
          } catch (error) {
            throw new Error(errorText(error, t));
          }
        }}
      />
      <PasswordDialog
        username={resetting?.username ?? null}
        onOpenChange={(open) => {
          if (!open) setResetting(null);
        }}
        onSave={async (password) => {
          if (!resetting) return;
          await setPassword(api, resetting.id, password);
          toast.success(t('users.password_set', { name: resetting.username }));
        }}
      />
    </section>
  );
}

function Sessions() {
  const api = useApi();
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: SESSIONS_KEY, queryFn: () => listSessions(api) });
  const [revoking, setRevoking] = useState<StaffSession | null>(null);

  return (
    <section aria-labelledby="users-sessions" className="space-y-3">
      <h2 id="users-sessions" className="text-lg font-semibold">
        {t('users.sessions')}
      </h2>
      <Loading pending={sessions.isPending} error={sessions.error} retry={() => void sessions.refetch()} />
      {sessions.data && sessions.data.length === 0 && <p>{t('users.no_sessions')}</p>}
      {sessions.data && sessions.data.length > 0 && (
        <Table data-testid="sessions-table" scrollLabel={t('users.sessions')}>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">{t('users.field.username')}</TableHead>
              <TableHead scope="col" className="hidden sm:table-cell">
                {t('users.field.ip')}
              </TableHead>
              <TableHead scope="col" className="hidden lg:table-cell">
                {t('users.field.device')}
              </TableHead>
              <TableHead scope="col" className="hidden md:table-cell">
                {t('users.field.started')}
              </TableHead>
              <TableHead scope="col">{t('users.field.last_seen')}</TableHead>
              <TableHead scope="col" className="hidden md:table-cell">
                {t('users.field.expires')}
              </TableHead>
              <TableHead scope="col">
                <span className="sr-only">{t('users.field.actions')}</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {sessions.data.map((session) => (
              <TableRow key={session.id} data-testid="session-row">
                <TableCell className="font-medium">
                  {session.user.username}
                  {session.current && (
                    <Badge tone="info" className="ml-2">
                      {t('users.this_session')}
                    </Badge>
                  )}
                </TableCell>
                <TableCell className="hidden sm:table-cell">{session.ip ?? '—'}</TableCell>
                <TableCell className="hidden max-w-xs truncate lg:table-cell" title={session.user_agent ?? undefined}>
                  {session.user_agent ?? '—'}
                </TableCell>
                <TableCell className="hidden whitespace-nowrap md:table-cell">{formatDateTime(session.created_at)}</TableCell>
                <TableCell className="whitespace-nowrap">{formatDateTime(session.last_seen_at)}</TableCell>
                <TableCell className="hidden whitespace-nowrap md:table-cell">{formatDateTime(session.expires_at)}</TableCell>
                <TableCell className="text-right">
                  <Button
                    size="sm"
                    variant="destructive"
                    aria-label={t('users.revoke_of', { name: session.user.username })}
                    onClick={() => {
                      setRevoking(session);
                    }}
                  >
                    {t('users.revoke')}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => {
          if (!open) setRevoking(null);
        }}
        title={t('users.revoke_title', { name: revoking?.user.username ?? '' })}
        description={revoking?.current ? t('users.revoke_current') : t('users.revoke_description')}
        confirmLabel={t('users.revoke')}
        destructive
        onConfirm={async () => {
          if (!revoking) return;
          try {
            await revokeSession(api, revoking.id);
          } catch (error) {
            throw new Error(errorText(error, t));
          }
          toast.success(t('users.revoked'));
          await queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
        }}
      />
    </section>
  );
}
