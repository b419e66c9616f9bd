import { useInfiniteQuery, useQueries, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import { type PaymentFilter, pk } from '../../api/paykeeper.ts';
import type { PaymentRow } from '../../api/types.ts';

/** Rows asked of the API at a time (2.1's `limit`). */
export const pageSize = 100;

/**
 * The registry as a long list only partly fetched: the count first (2.2's `fullcount`), then
 * the pages (2.1 `from`/`limit`) under the rows on screen, each cached on its own. A million
 * payments cost the first screen one count and one page. A search has no count (COMPAT.md
 * `payments/search`): its pages are fetched one after another as the list is scrolled down.
 */
export type RegistryRows = {
  /** How many rows the list has (for a search: those fetched, plus one while more may follow). */
  count: number;
  /** The full count when known (not for a search). */
  total: string | null;
  rowAt: (index: number) => PaymentRow | undefined;
  pending: boolean;
  error: unknown;
  retry: () => void;
};

/** Pages covering the rows `first`..`last` (the virtualizer's range with its overscan). */
const pagesOf = (first: number, last: number): number[] => {
  const pages: number[] = [];
  for (let page = Math.floor(first / pageSize); page <= Math.floor(last / pageSize); page++) pages.push(page);
  return pages;
};

export function useFilteredRows(
  filter: PaymentFilter,
  enabled: boolean,
  range: [number, number],
): RegistryRows {
  const countQuery = useQuery({
    queryKey: ['bydatecount', filter.start, filter.end, filter.statuses, filter.systems],
    queryFn: ({ signal }) => pk.byDateCount(filter, signal),
    enabled,
  });
  const total = countQuery.data?.fullcount[0]?.count ?? null;
  const count = total === null ? 0 : Number(total);
  const pages = useMemo(
    () => (count === 0 ? [] : pagesOf(range[0], Math.min(range[1], count - 1))),
    [range, count],
  );
  const results = useQueries({
    queries: pages.map((page) => ({
      queryKey: ['bydate', filter.start, filter.end, filter.statuses, filter.systems, page],
      queryFn: ({ signal }: { signal: AbortSignal }) => pk.byDate(filter, page * pageSize, pageSize, signal),
      enabled: enabled && count > 0,
      staleTime: 60_000,
    })),
  });
  const loaded = new Map<number, PaymentRow[]>();
  results.forEach((result, at) => {
    const page = pages[at];
    if (page !== undefined && result.data) loaded.set(page, result.data);
  });
  const failed = results.find((r) => r.error);
  return {
    count,
    total,
    rowAt: (index) => loaded.get(Math.floor(index / pageSize))?.[index % pageSize],
    pending: countQuery.isPending || (count > 0 && results.some((r) => r.isPending)),
    error: countQuery.error ?? failed?.error ?? null,
    retry: () => {
      void countQuery.refetch();
      for (const r of results) if (r.error) void r.refetch();
    },
  };
}

export function useSearchRows(
  filter: PaymentFilter,
  enabled: boolean,
  range: [number, number],
): RegistryRows {
  const query = useInfiniteQuery({
    queryKey: ['search', filter.start, filter.end, filter.search, filter.statuses, filter.systems],
    queryFn: ({ pageParam, signal }) => pk.byDate(filter, pageParam, pageSize, signal),
    initialPageParam: 0,
    getNextPageParam: (last, all) => (last.length === pageSize ? all.length * pageSize : undefined),
    enabled,
  });
  const rows = useMemo(() => query.data?.pages.flat() ?? [], [query.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  // the last row on screen is the "more" row: fetch the next page
  useEffect(() => {
    if (enabled && hasNextPage && !isFetchingNextPage && range[1] >= rows.length - 1) void fetchNextPage();
  }, [enabled, hasNextPage, isFetchingNextPage, fetchNextPage, range, rows.length]);
  return {
    count: rows.length + (hasNextPage ? 1 : 0),
    total: null,
    rowAt: (index) => rows[index],
    pending: query.isPending || isFetchingNextPage,
    error: query.error,
    retry: () => void query.refetch(),
  };
}
