import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { QueryError } from '../../ui/QueryError.tsx';
import { FieldInput } from '../invoices/FieldInput.tsx';
import { type CabinetUserRow, settingsApi, settingsKeys } from './api.ts';
import { isPassword, isRefundCount, loginPattern } from './checks.ts';

/**
 * 4.7, 5.6–5.8: the merchant's cabinet users. `refund` is how many refunds a user may make a
 * day (0: none); an administrator sees and changes the settings. A change or a deletion ends
 * the user's sessions (the server renews its credential stamp). One cannot delete oneself.
 */
export function Users({ me }: { me: string }) {
  const { t } = useTranslation('settings');
  const id = useId();
  const list = useQuery({ queryKey: settingsKeys.users, queryFn: ({ signal }) => settingsApi.users(signal) });
  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid="settings-users">
      <h2 id={`${id}-title`}>{t('users.title')}</h2>
      {list.error && <QueryError error={list.error} retry={() => void list.refetch()} />}
      <div className="table-scroll">
        <table className="settings-table">
          <thead>
            <tr>
              <th scope="col">{t('users.login')}</th>
              <th scope="col">{t('users.refund')}</th>
              <th scope="col">{t('users.admin')}</th>
              <th scope="col">{t('users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((user) => (
              <UserRow key={`${user.id}:${user.login}:${user.refund}:${user.admin}`} user={user} me={me} />
            ))}
          </tbody>
        </table>
      </div>
      <AddUser />
    </section>
  );
}

function useUserSchema(adding: boolean) {
  const { t } = useTranslation('settings');
  return z.object({
    login: z.string().refine((v) => loginPattern.test(v.trim()), t('check.login')),
    password: z
      .string()
      .refine((v) => (adding ? isPassword(v) : v === '' || isPassword(v)), t('check.password')),
    refund: z.string().refine(isRefundCount, t('check.refund')),
    admin: z.boolean(),
  });
}
type UserFields = { login: string; password: string; refund: string; admin: boolean };

function AddUser() {
  const { t } = useTranslation('settings');
  const id = useId();
  const queryClient = useQueryClient();
  const schema = useUserSchema(true);
  const {
    register,
    handleSubmit,
    reset,
    formState: { errors },
  } = useForm<UserFields>({
    resolver: zodResolver(schema),
    defaultValues: { login: '', password: '', refund: '0', admin: false },
  });
  const add = useMutation({
    mutationFn: (f: UserFields) =>
      settingsApi.addUser({
        login: f.login.trim(),
        password: f.password,
        refund: f.refund.trim(),
        admin: f.admin ? 'true' : 'false',
      }),
    onSuccess: async () => {
      reset();
      await queryClient.invalidateQueries({ queryKey: settingsKeys.users });
    },
  });
  return (
    <form
      className="user-form"
      noValidate
      aria-labelledby={`${id}-title`}
      onSubmit={handleSubmit((f) => add.mutate(f))}
      data-testid="add-user"
    >
      <h3 id={`${id}-title`}>{t('users.add')}</h3>
      <FieldInput
        id={`${id}-login`}
        label={t('users.login')}
        hint={t('users.loginHint')}
        error={errors.login?.message}
        autoComplete="off"
        required
        {...register('login')}
      />
      <FieldInput
        id={`${id}-password`}
        label={t('users.password')}
        hint={t('users.passwordHint')}
        error={errors.password?.message}
        type="password"
        autoComplete="new-password"
        required
        {...register('password')}
      />
      <FieldInput
        id={`${id}-refund`}
        label={t('users.refund')}
        hint={t('users.refundHint')}
        error={errors.refund?.message}
        inputMode="numeric"
        {...register('refund')}
      />
      <label className="check">
        <input type="checkbox" {...register('admin')} /> {t('users.admin')}
      </label>
      {add.error && <QueryError error={add.error} />}
      {add.isSuccess && (
        <p role="status" className="alert alert-ok">
          {t('users.added')}
        </p>
      )}
      <button type="submit" className="primary" disabled={add.isPending}>
        {add.isPending ? t('saving') : t('users.addButton')}
      </button>
    </form>
  );
}

function UserRow({ user, me }: { user: CabinetUserRow; me: string }) {
  const { t } = useTranslation('settings');
  const id = useId();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<'view' | 'edit' | 'delete'>('view');
  const schema = useUserSchema(false);
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useForm<UserFields>({
    resolver: zodResolver(schema),
    defaultValues: { login: user.login, password: '', refund: user.refund, admin: user.admin === 'true' },
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: settingsKeys.users });
  const update = useMutation({
    mutationFn: (f: UserFields) =>
      settingsApi.updateUser({
        id: user.id,
        ...(f.login.trim() !== user.login && { login: f.login.trim() }),
        ...(f.password !== '' && { password: f.password }),
        refund: f.refund.trim(),
        admin: f.admin ? 'true' : 'false',
      }),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: () => settingsApi.deleteUser(user.id), onSuccess: refresh });
  const self = user.login === me;
  return (
    <tr data-testid={`user-${user.login}`}>
      {mode === 'edit' ? (
        <td colSpan={4}>
          <form className="user-form" noValidate onSubmit={handleSubmit((f) => update.mutate(f))}>
            <FieldInput
              id={`${id}-login`}
              label={t('users.login')}
              error={errors.login?.message}
              {...register('login')}
            />
            <FieldInput
              id={`${id}-password`}
              label={t('users.newPassword')}
              hint={t('users.newPasswordHint')}
              error={errors.password?.message}
              type="password"
              autoComplete="new-password"
              {...register('password')}
            />
            <FieldInput
              id={`${id}-refund`}
              label={t('users.refund')}
              hint={t('users.refundHint')}
              error={errors.refund?.message}
              inputMode="numeric"
              {...register('refund')}
            />
            <label className="check">
              <input type="checkbox" {...register('admin')} /> {t('users.admin')}
            </label>
            {update.error && <QueryError error={update.error} />}
            <button type="submit" className="primary" disabled={update.isPending}>
              {update.isPending ? t('saving') : t('save')}
            </button>{' '}
            <button type="button" onClick={() => setMode('view')}>
              {t('cancel')}
            </button>
          </form>
        </td>
      ) : (
        <>
          <th scope="row">
            {user.login}
            {self && <span className="muted"> ({t('users.you')})</span>}
          </th>
          <td>{user.refund === '0' ? t('users.noRefunds') : user.refund}</td>
          <td>{user.admin === 'true' ? t('yes') : t('no')}</td>
          <td className="row-actions">
            <button
              type="button"
              onClick={() => setMode('edit')}
              aria-label={t('users.editOf', { login: user.login })}
            >
              {t('users.edit')}
            </button>
            {!self && mode === 'view' && (
              <button
                type="button"
                className="danger"
                onClick={() => setMode('delete')}
                aria-label={t('users.deleteOf', { login: user.login })}
              >
                {t('users.delete')}
              </button>
            )}
            {mode === 'delete' && (
              <fieldset className="inline-confirm">
                <legend>{t('users.deleteConfirm', { login: user.login })}</legend>
                <button
                  type="button"
                  className="danger"
                  disabled={remove.isPending}
                  onClick={() => remove.mutate()}
                >
                  {t('users.deleteYes')}
                </button>{' '}
                <button type="button" onClick={() => setMode('view')}>
                  {t('cancel')}
                </button>
              </fieldset>
            )}
            {remove.error && <QueryError error={remove.error} />}
          </td>
        </>
      )}
    </tr>
  );
}
