import { useId, useState } from 'react';
import type { Role } from '../../api/types';
import { MIN_PASSWORD_LENGTH, ROLES, type NewStaffAccount } from '../../api/users';
import { Button } from '../../components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '../../components/ui/dialog';
import { Input, Label } from '../../components/ui/input';
import { Select } from '../../components/ui/select';
import { useI18n, type MessageKey } from '../../i18n';
import { errorField, errorText } from './errors';

type Errors = Partial<Record<'username' | 'password' | 'role' | 'form', string>>;

function FieldError({ id, text }: { id: string; text: string | undefined }) {
  if (!text) return null;
  return (
    <p id={id} role="alert" className="mt-1 text-sm text-red-700 dark:text-red-300">
      {text}
    </p>
  );
}

/** Splits a failed request into the field it names (username, password, role) or the form. */
function serverErrors(error: unknown, t: (key: MessageKey) => string): Errors {
  const text = errorText(error, t);
  const field = errorField(error);
  if (field === 'username' || field === 'password' || field === 'role') return { [field]: text };
  return { form: text };
}

export function CreateUserDialog({
  open,
  onOpenChange,
  onCreate,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onCreate: (account: NewStaffAccount) => Promise<unknown>;
}) {
  const { t } = useI18n();
  const id = useId();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('staff');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setUsername('');
    setRole('staff');
    setPassword('');
    setErrors({});
  };

  const submit = async () => {
    const found: Errors = {};
    if (username.trim() === '') found.username = t('users.error.username_required');
    if (password.length < MIN_PASSWORD_LENGTH) {
      found.password = t('users.error.password_short', { min: MIN_PASSWORD_LENGTH });
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await onCreate({ username: username.trim(), role, password });
      reset();
      onOpenChange(false);
    } catch (error) {
      setErrors(serverErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (busy) return;
        if (!next) reset();
        onOpenChange(next);
      }}
    >
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{t('users.create.title')}</DialogTitle>
          <DialogDescription>{t('users.create.description')}</DialogDescription>
        </DialogHeader>
        <form
          id={`${id}-form`}
          className="space-y-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <div>
            <Label htmlFor={`${id}-username`}>{t('users.field.username')}</Label>
            <Input
              id={`${id}-username`}
              autoComplete="off"
              value={username}
              aria-invalid={errors.username !== undefined}
              aria-describedby={errors.username ? `${id}-username-error` : undefined}
              onChange={(e) => {
                setUsername(e.target.value);
              }}
            />
            <FieldError id={`${id}-username-error`} text={errors.username} />
          </div>
          <div>
            <Label htmlFor={`${id}-role`}>{t('users.field.role')}</Label>
            <Select
              id={`${id}-role`}
              className="w-full"
              value={role}
              aria-invalid={errors.role !== undefined}
              aria-describedby={errors.role ? `${id}-role-error` : undefined}
              onChange={(e) => {
                setRole(ROLES.find((r) => r === e.target.value) ?? 'staff');
              }}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </Select>
            <FieldError id={`${id}-role-error`} text={errors.role} />
          </div>
          <div>
            <Label htmlFor={`${id}-password`}>{t('users.field.password')}</Label>
            <Input
              id={`${id}-password`}
              type="password"
              autoComplete="new-password"
              value={password}
              aria-invalid={errors.password !== undefined}
              aria-describedby={`${id}-password-hint${errors.password ? ` ${id}-password-error` : ''}`}
              onChange={(e) => {
                setPassword(e.target.value);
              }}
            />
            <p id={`${id}-password-hint`} className="mt-1 text-xs text-slate-700 dark:text-slate-300">
              {t('users.password_hint', { min: MIN_PASSWORD_LENGTH })}
            </p>
            <FieldError id={`${id}-password-error`} text={errors.password} />
          </div>
          {errors.form && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {errors.form}
            </p>
          )}
        </form>
        <DialogFooter>
          <Button
            variant="secondary"
            disabled={busy}
            onClick={() => {
              reset();
              onOpenChange(false);
            }}
          >
            {t('common.cancel')}
          </Button>
          <Button type="submit" form={`${id}-form`} disabled={busy} aria-busy={busy}>
            {t('users.create.submit')}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function PasswordDialog({
  username,
  onOpenChange,
  onSave,
}: {
  /** The account whose password is reset; null keeps the dialog closed. */
  username: string | null;
  onOpenChange: (open: boolean) => void;
  onSave: (password: string) => Promise<unknown>;
}) {
  const { t } = useI18n();
  const id = useId();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const close = () => {
    setPassword('');
    setError(undefined);
    onOpenChange(false);
  };

  const submit = async () => {
    if (password.length < MIN_PASSWORD_LENGTH) {
      setError(t('users.error.password_short', { min: MIN_PASSWORD_LENGTH }));
      return;
    }
    setBusy(true);
    try {
      await onSave(password);
      close();
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={username !== null}
      onOpenChange={(next) => {
        if (!next && !busy) close();
      }}
    >
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{t('users.password.title', { name: username ?? '' })}</DialogTitle>
          <DialogDescription>{t('users.password.description')}</DialogDescription>
        </DialogHeader>
        <form
          id={`${id}-form`}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Label htmlFor={`${id}-password`}>{t('users.field.new_password')}</Label>
          <Input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            value={password}
            aria-invalid={error !== undefined}
            aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
            onChange={(e) => {
              setPassword(e.target.value);
            }}
          />
          <p id={`${id}-hint`} className="mt-1 text-xs text-slate-700 dark:text-slate-300">
            {t('users.password_hint', { min: MIN_PASSWORD_LENGTH })}
          </p>
          <FieldError id={`${id}-error`} text={error} />
        </form>
        <DialogFooter>
          <Button variant="secondary" disabled={busy} onClick={close}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" form={`${id}-form`} disabled={busy} aria-busy={busy}>
            {t('users.password.submit')}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
