import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Period } from '../api/paykeeper.ts';
import { isDay, lastDays, type Preset, presets } from './period.ts';

/** Two labelled dates and quick choices (today, 7, 30, 90 days, a year), in a fieldset. */
export function PeriodPicker({ period, onChange }: { period: Period; onChange: (period: Period) => void }) {
  const { t } = useTranslation('common');
  const id = useId();
  const [start, setStart] = useState(period.start);
  const [end, setEnd] = useState(period.end);
  useEffect(() => {
    setStart(period.start);
    setEnd(period.end);
  }, [period.start, period.end]);
  const invalid = isDay(start) && isDay(end) && start > end;
  const apply = (nextStart: string, nextEnd: string) => {
    if (isDay(nextStart) && isDay(nextEnd) && nextStart <= nextEnd)
      onChange({ start: nextStart, end: nextEnd });
  };
  return (
    <fieldset className="period">
      <legend>{t('period.label')}</legend>
      <div className="period-row">
        <span className="field">
          <label htmlFor={`${id}-start`}>{t('period.from')}</label>
          <input
            id={`${id}-start`}
            type="date"
            value={start}
            max={end}
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? `${id}-error` : undefined}
            onChange={(e) => {
              setStart(e.target.value);
              apply(e.target.value, end);
            }}
          />
        </span>
        <span className="field">
          <label htmlFor={`${id}-end`}>{t('period.to')}</label>
          <input
            id={`${id}-end`}
            type="date"
            value={end}
            min={start}
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? `${id}-error` : undefined}
            onChange={(e) => {
              setEnd(e.target.value);
              apply(start, e.target.value);
            }}
          />
        </span>
        <span className="presets">
          {(Object.keys(presets) as Preset[]).map((preset) => {
            const range = lastDays(presets[preset]);
            const active = range.start === period.start && range.end === period.end;
            return (
              <button key={preset} type="button" aria-pressed={active} onClick={() => onChange(range)}>
                {t(`period.${preset}`)}
              </button>
            );
          })}
        </span>
      </div>
      {invalid && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {t('period.invalid')}
        </p>
      )}
    </fieldset>
  );
}
