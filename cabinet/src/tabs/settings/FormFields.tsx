import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../ui/QueryError.tsx';
import { type FormField, formFieldTypes, settingsApi, settingsKeys } from './api.ts';

/**
 * 4.5 and 5.2: the payment form's fields. Each row is edited in place and saved alone (5.2
 * sends only what changed); the sum is the form's own and cannot be changed.
 */
export function FormFields() {
  const { t } = useTranslation('settings');
  const id = useId();
  const list = useQuery({
    queryKey: settingsKeys.fields,
    queryFn: ({ signal }) => settingsApi.fields(signal),
  });
  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid="settings-fields">
      <h2 id={`${id}-title`}>{t('fields.title')}</h2>
      <p className="muted">{t('fields.description')}</p>
      {list.error && <QueryError error={list.error} retry={() => void list.refetch()} />}
      <div className="table-scroll">
        <table className="settings-table">
          <thead>
            <tr>
              <th scope="col">{t('fields.name')}</th>
              <th scope="col">{t('fields.label')}</th>
              <th scope="col">{t('fields.placeholder')}</th>
              <th scope="col">{t('fields.type')}</th>
              <th scope="col">{t('fields.order')}</th>
              <th scope="col">{t('fields.enabled')}</th>
              <th scope="col">{t('fields.required')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('fields.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((field) => (
              <FieldRow key={`${field.pk_name}:${JSON.stringify(field)}`} field={field} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function FieldRow({ field }: { field: FormField }) {
  const { t } = useTranslation('settings');
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(field);
  const [problem, setProblem] = useState<string | null>(null);
  const locked = field.pk_name === 'sum';
  const changed = (Object.keys(draft) as (keyof FormField)[]).filter((k) => draft[k] !== field[k]);
  const save = useMutation({
    mutationFn: () =>
      settingsApi.changeField({
        pk_name: field.pk_name,
        ...Object.fromEntries(changed.map((k) => [k, draft[k]])),
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: settingsKeys.fields }),
  });
  const labelOf = (what: string) => t('fields.of', { what, field: field.pk_name });
  const submit = () => {
    save.reset();
    if (draft.displayed_name.trim() === '') return setProblem(t('fields.labelRequired'));
    if (!/^\d{1,5}$/.test(draft.order.trim())) return setProblem(t('fields.orderNumber'));
    if (draft.displayed_name.length > 256 || draft.placeholder.length > 256)
      return setProblem(t('check.tooLong', { max: 256 }));
    setProblem(null);
    save.mutate();
  };
  const error = problem ?? save.error?.message;
  return (
    <tr data-testid={`field-${field.pk_name}`}>
      <th scope="row">{field.pk_name}</th>
      <td>
        <input
          aria-label={labelOf(t('fields.label'))}
          value={draft.displayed_name}
          disabled={locked}
          aria-invalid={problem ? true : undefined}
          onChange={(e) => setDraft({ ...draft, displayed_name: e.target.value })}
        />
      </td>
      <td>
        <input
          aria-label={labelOf(t('fields.placeholder'))}
          value={draft.placeholder}
          disabled={locked}
          onChange={(e) => setDraft({ ...draft, placeholder: e.target.value })}
        />
      </td>
      <td>
        <select
          aria-label={labelOf(t('fields.type'))}
          value={draft.type}
          disabled={locked}
          onChange={(e) => setDraft({ ...draft, type: e.target.value as FormField['type'] })}
        >
          {formFieldTypes.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>
      </td>
      <td>
        <input
          aria-label={labelOf(t('fields.order'))}
          value={draft.order}
          inputMode="numeric"
          size={4}
          disabled={locked}
          onChange={(e) => setDraft({ ...draft, order: e.target.value })}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={labelOf(t('fields.enabled'))}
          checked={draft.enabled === 'true'}
          disabled={locked}
          onChange={(e) => setDraft({ ...draft, enabled: e.target.checked ? 'true' : 'false' })}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={labelOf(t('fields.required'))}
          checked={draft.required === 'true'}
          disabled={locked}
          onChange={(e) => setDraft({ ...draft, required: e.target.checked ? 'true' : 'false' })}
        />
      </td>
      <td>
        {locked ? (
          <span className="muted">{t('fields.locked')}</span>
        ) : (
          <button type="button" disabled={changed.length === 0 || save.isPending} onClick={submit}>
            {save.isPending ? t('saving') : t('save')}
          </button>
        )}
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
      </td>
    </tr>
  );
}
