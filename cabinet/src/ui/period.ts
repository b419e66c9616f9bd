import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { Period } from '../api/paykeeper.ts';
import { defaultPeriod, isDay } from './days.ts';

export { addDays, isDay, lastDays, moscowToday, type Preset, presets } from './days.ts';

/**
 * The period in the address (`?start=&end=`), or the default (the last 30 days) when absent or
 * malformed: a reload or a shared link shows the same thing.
 */
export function usePeriod(): [Period, (period: Period) => void] {
  const [params, setParams] = useSearchParams();
  const start = params.get('start');
  const end = params.get('end');
  const period = useMemo(() => {
    if (isDay(start) && isDay(end) && start <= end) return { start, end };
    return defaultPeriod();
  }, [start, end]);
  const setPeriod = useCallback(
    (next: Period) =>
      setParams(
        (current) => {
          const updated = new URLSearchParams(current);
          updated.set('start', next.start);
          updated.set('end', next.end);
          return updated;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [period, setPeriod];
}
