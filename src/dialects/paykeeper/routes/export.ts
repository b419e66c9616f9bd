import { PassThrough } from 'node:stream';
import { limits } from '../../../domain/limits.ts';
import { cursorOf, type RegistryEntry, type RegistryQuery } from '../../../engine/payments/registry.ts';
import { fieldFail } from '../errors.ts';
import { pkPaymentStatus, siteDescriptionOf } from '../map.ts';
import { type Period, periodParam } from '../params.ts';
import { failWith, type PkCall, type PkHandler, type PkRoute, textParam } from '../route.ts';
import { type ExportRow, paymentsWorkbook, streamPaymentsWorkbook } from '../xlsx.ts';
import { clientidOf, filterOf, listByDate } from './payments.ts';

/**
 * Export (spec 8.1): the payment registry as an XLSX file.
 *
 * - `GET /export/payments/?type=xlsx` is the spec's: 2.1's filters and paging (`from`
 *   required, `limit` at most 1000), the page written in memory.
 * - `GET /export/payments/all/?type=xlsx` is the cabinet's: the same filters (a filter left
 *   out filters nothing) and `search`, with no limit. It is read over a keyset cursor a page
 *   at a time and streamed row by row, so its memory does not grow with the rows;
 *   `X-Total-Count` carries the count of the filter first, for a progress bar.
 */

const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** `type`: the one file type the spec offers. */
function typeParam(params: Record<string, unknown>): void {
  const type = (textParam(params, 'type') ?? '').trim();
  if (type === '') failWith(fieldFail('type', 'Обязательный параметр не указан.'));
  if (type !== 'xlsx') failWith(fieldFail('type', 'Доступный тип файла: xlsx.'));
}

/** The merchant's payment systems by service id, named as the cabinet names them. */
async function systemNames(call: PkCall): Promise<Map<bigint, string>> {
  const services = await call.host.engine.listServices(call.merchant.id);
  return new Map(services.map((s) => [s.id, siteDescriptionOf(s.method)]));
}

const rowOf =
  (names: Map<bigint, string>) =>
  ({ payment: p, notice }: RegistryEntry): ExportRow => ({
    id: p.id,
    createdAt: p.createdAt,
    amountMinor: p.amountMinor,
    refundedMinor: p.refundedMinor,
    clientid: clientidOf(p),
    orderid: p.externalId,
    system: (p.serviceId !== null ? names.get(p.serviceId) : undefined) ?? siteDescriptionOf(p.system),
    status: pkPaymentStatus({
      status: p.status,
      notice: notice.notice,
      refundInFlight: p.refundReservedMinor > 0n,
    }),
  });

const fileName = (period: Period) => `payments_${period.fromDay}_${period.toDay}.xlsx`;

function fileHeaders(call: PkCall, period: Period) {
  call.reply
    .header('content-type', xlsxType)
    .header('content-disposition', `attachment; filename="${fileName(period)}"`)
    .header('cache-control', 'no-store');
}

/** 8.1: one page of 2.1's registry; without `status[]` or `payment_system_id[]`, an empty sheet. */
const exportPage: PkHandler = async (call) => {
  typeParam(call.params);
  const entries = await listByDate(call);
  const file = await paymentsWorkbook(entries.map(rowOf(await systemNames(call))));
  fileHeaders(call, periodParam(call.params));
  call.reply.send(file);
  return undefined;
};

/** Every page of a query, newest first, each read after the last one's end (keyset). */
async function* pagesOf(
  call: PkCall,
  query: Omit<RegistryQuery, 'after' | 'offset' | 'limit'>,
  names: Map<bigint, string>,
): AsyncGenerator<ExportRow[]> {
  const limit = limits.pageSizeMax;
  const toRow = rowOf(names);
  for (let after: RegistryQuery['after']; ; ) {
    const entries = await call.host.engine.listRegistry({ ...query, limit, ...(after && { after }) });
    if (entries.length > 0) yield entries.map(toRow);
    if (entries.length < limit) return;
    after = cursorOf(entries[entries.length - 1]!.payment);
  }
}

/** The cabinet's export of a whole period, streamed; a filter left out filters nothing. */
const exportAll: PkHandler = async (call) => {
  typeParam(call.params);
  const filter = filterOf(call);
  const { period } = filter;
  const search = (textParam(call.params, 'search') ?? '').trim();
  const query = { ...filter.query, ...(search !== '' && { search }) };
  const counts = await call.host.engine.countRegistry({ ...query, deliveredAsNone: true });
  const total = counts.reduce((sum, c) => sum + c.count, 0n);
  const names = await systemNames(call);
  const body = new PassThrough();
  fileHeaders(call, period);
  call.reply.header('x-total-count', total.toString());
  const log = call.req.log;
  // the reply pipes `body` to the socket and pauses it when the client reads slowly; the
  // writer waits on `body` in turn (xlsx.ts), so nothing piles up in between
  streamPaymentsWorkbook(body, pagesOf(call, query, names)).then(
    (rows) => log.info({ rows }, 'paykeeper: payments exported'),
    (error) => {
      log.warn({ err: error }, 'paykeeper: payment export cut short');
      body.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  call.reply.send(body);
  return undefined;
};

export const exportRoutes: readonly PkRoute[] = [
  { method: 'GET', path: '/export/payments/', handler: exportPage },
  { method: 'GET', path: '/export/payments/all/', handler: exportAll },
];
