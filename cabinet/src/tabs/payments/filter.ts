import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { type PaymentFilter, pk } from '../../api/paykeeper.ts';
import { type PaymentStatus, paymentStatuses, type SystemsList } from '../../api/types.ts';
import { usePeriod } from '../../ui/period.ts';

/**
 * The registry's filter lives in the address (`?start&end&status=a,b&system=1,2&q=`), so the
 * back button, a reload and a shared link keep it, and the details of a payment
 * (/payments/<id>?…) open over the same list.
 */

const listOf = (text: string | null): string[] => (text ? text.split(',').filter(Boolean) : []);
const isStatus = (s: string): s is PaymentStatus => (paymentStatuses as readonly string[]).includes(s);

export type FilterChange = Partial<Pick<PaymentFilter, 'statuses' | 'systems' | 'search'>>;

export function usePaymentFilter(): [
  PaymentFilter,
  (change: FilterChange) => void,
  ReturnType<typeof usePeriod>[1],
] {
  const [period, setPeriod] = usePeriod();
  const [params, setParams] = useSearchParams();
  const status = params.get('status');
  const system = params.get('system');
  const search = params.get('q') ?? '';
  const filter = useMemo<PaymentFilter>(
    () => ({
      ...period,
      statuses: listOf(status).filter(isStatus),
      systems: listOf(system).filter((id) => /^\d{1,19}$/.test(id)),
      search,
    }),
    [period, status, system, search],
  );
  const change = useCallback(
    (next: FilterChange) =>
      setParams(
        (current) => {
          const updated = new URLSearchParams(current);
          const put = (key: string, value: string) => (value ? updated.set(key, value) : updated.delete(key));
          if (next.statuses) put('status', next.statuses.join(','));
          if (next.systems) put('system', next.systems.join(','));
          if (next.search !== undefined) put('q', next.search.trim());
          return updated;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [filter, change, setPeriod];
}

/** 1.1: the merchant's payment systems, named as the cabinet shows them. */
export function useSystems() {
  return useQuery({
    queryKey: ['systems'],
    queryFn: ({ signal }) => pk.systems(signal),
    staleTime: 5 * 60_000,
  });
}

/**
 * 2.1 wants `status[]` and `payment_system_id[]` both (without either it lists nothing): a
 * filter left empty in the cabinet means every status and every system of the merchant. A
 * search sends the choice as made: there a list left out filters nothing (and a payment of a
 * system the merchant has since dropped is still found).
 */
export function apiFilter(filter: PaymentFilter, systems: SystemsList): PaymentFilter {
  if (filter.search) return filter;
  return {
    ...filter,
    statuses: filter.statuses.length ? filter.statuses : paymentStatuses,
    systems: filter.systems.length ? filter.systems : systems.map((s) => s.id),
  };
}
