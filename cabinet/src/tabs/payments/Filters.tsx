import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PaymentFilter } from '../../api/paykeeper.ts';
import { paymentStatuses, type SystemsList } from '../../api/types.ts';
import { systemLabel } from '../../ui/systems.ts';
import type { FilterChange } from './filter.ts';

/** A disclosure of checkboxes; none checked means all. */
function Choice({
  legend,
  options,
  chosen,
  onChange,
  testId,
}: {
  legend: string;
  options: { value: string; label: string }[];
  chosen: readonly string[];
  onChange: (chosen: string[]) => void;
  testId: string;
}) {
  const { t } = useTranslation('payments');
  // the choice shows at once; the address (and so the list) follows a moment later
  const [shown, setShown] = useState(chosen);
  useEffect(() => setShown(chosen), [chosen]);
  const choose = (next: string[]) => {
    setShown(next);
    onChange(next);
  };
  const summary =
    shown.length === 0
      ? t('filter.all')
      : shown.length === 1
        ? (options.find((o) => o.value === shown[0])?.label ?? shown[0])
        : t('filter.chosen', { count: shown.length });
  return (
    <details className="choice" data-testid={testId}>
      <summary>
        {legend}: <strong>{summary}</strong>
      </summary>
      <fieldset>
        <legend className="visually-hidden">{legend}</legend>
        {options.map((o) => (
          <label key={o.value} className="check">
            <input
              type="checkbox"
              value={o.value}
              checked={shown.includes(o.value)}
              onChange={(e) =>
                choose(
                  e.target.checked
                    ? options.map((x) => x.value).filter((v) => v === o.value || shown.includes(v))
                    : shown.filter((v) => v !== o.value),
                )
              }
            />{' '}
            {o.label}
          </label>
        ))}
        {shown.length > 0 && (
          <button type="button" onClick={() => choose([])}>
            {t('filter.clear')}
          </button>
        )}
      </fieldset>
    </details>
  );
}

export function Filters({
  filter,
  systems,
  onChange,
}: {
  filter: PaymentFilter;
  systems: SystemsList;
  onChange: (change: FilterChange) => void;
}) {
  const { t } = useTranslation('payments');
  const { t: tc } = useTranslation('common');
  const id = useId();
  const [text, setText] = useState(filter.search);
  useEffect(() => setText(filter.search), [filter.search]);
  const searching = filter.search !== '';
  return (
    <>
      <Choice
        legend={t('filter.status')}
        testId="filter-status"
        options={paymentStatuses.map((s) => ({ value: s, label: tc(`status.${s}`) }))}
        chosen={filter.statuses}
        onChange={(statuses) => onChange({ statuses })}
      />
      <Choice
        legend={t('filter.system')}
        testId="filter-system"
        options={systems.map((s) => ({ value: s.id, label: systemLabel(s) }))}
        chosen={filter.systems}
        onChange={(chosen) => onChange({ systems: chosen })}
      />
      <search className="search-box">
        <form
          className="search"
          onSubmit={(e) => {
            e.preventDefault();
            onChange({ search: text });
          }}
        >
          <span className="field">
            <label htmlFor={`${id}-search`}>{t('filter.search')}</label>
            <input
              id={`${id}-search`}
              type="search"
              value={text}
              placeholder={t('filter.searchPlaceholder')}
              aria-describedby={`${id}-search-hint`}
              onChange={(e) => {
                setText(e.target.value);
                if (e.target.value === '' && searching) onChange({ search: '' });
              }}
            />
          </span>
          <button type="submit">{t('filter.find')}</button>
          <span id={`${id}-search-hint`} className="muted hint">
            {searching ? t('filter.searchNote') : ''}
          </span>
        </form>
      </search>
    </>
  );
}
