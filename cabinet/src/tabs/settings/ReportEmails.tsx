import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../ui/QueryError.tsx';
import { FieldInput } from '../invoices/FieldInput.tsx';
import { settingsApi, settingsKeys } from './api.ts';
import { isEmail } from './checks.ts';

/** 4.6, 5.3, 5.4: where reports of accepted payments go. */
export function ReportEmails() {
  const { t } = useTranslation('settings');
  const id = useId();
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: settingsKeys.reportEmails,
    queryFn: ({ signal }) => settingsApi.reportEmails(signal),
  });
  const [email, setEmail] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: settingsKeys.reportEmails });
  const add = useMutation({
    mutationFn: (address: string) => settingsApi.addReportEmail(address),
    onSuccess: async () => {
      setEmail('');
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (emailId: string) => settingsApi.deleteReportEmail(emailId),
    onSuccess: refresh,
  });
  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid="settings-reports">
      <h2 id={`${id}-title`}>{t('reports.title')}</h2>
      <p className="muted">{t('reports.description')}</p>
      {list.error && <QueryError error={list.error} retry={() => void list.refetch()} />}
      <ul className="plain-list">
        {(list.data ?? []).map((r) => (
          <li key={r.id}>
            {r.email}{' '}
            <button
              type="button"
              disabled={remove.isPending}
              onClick={() => remove.mutate(r.id)}
              aria-label={t('reports.removeOf', { email: r.email })}
            >
              {t('reports.remove')}
            </button>
          </li>
        ))}
        {list.data?.length === 0 && <li className="muted">{t('reports.none')}</li>}
      </ul>
      {remove.error && <QueryError error={remove.error} />}
      <form
        className="inline-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          add.reset();
          const address = email.trim();
          if (!isEmail(address)) return setProblem(t('check.email'));
          setProblem(null);
          add.mutate(address);
        }}
      >
        <FieldInput
          id={`${id}-email`}
          label={t('reports.add')}
          type="email"
          value={email}
          error={problem ?? (add.error ? add.error.message : undefined)}
          onChange={(e) => setEmail(e.target.value)}
        />
        <button type="submit" disabled={add.isPending}>
          {t('reports.addButton')}
        </button>
      </form>
    </section>
  );
}
