import type { RegistryEntry } from '../../../engine/payments/registry.ts';
import type { Payment } from '../../../engine/payments/view.ts';
import { pkAmount } from '../amounts.ts';
import { type CartLine, checkCartTotal } from '../cart.ts';
import { informerChannel } from '../channels.ts';
import { printPkDatetime, printPkDay } from '../dates.ts';
import { type PkPaymentFacts, paymentRow } from '../documents.ts';
import {
  amountFail,
  cartFail,
  fieldProblemFail,
  pkDialectFail,
  pkEngineFail,
  reverseFail,
} from '../errors.ts';
import {
  pkPaymentStatus,
  pkRefundStatusTable,
  planReverse,
  registryClausesOf,
  siteDescriptionOf,
} from '../map.ts';
import { idParam, pageParam, periodParam, statusesParam, systemsParam } from '../params.ts';
import { parseReverse } from '../parse.ts';
import { failWith, orFail, type PkCall, type PkHandler, type PkRoute, textParam } from '../route.ts';

/**
 * Payments (spec 2.1–2.8, COMPAT.md search, capture, receipt/print): the registry the engine
 * keeps for every dialect (a payment made through Paymega or ImPay of the merchant is listed
 * too), with the informer's state read from its outbox rows (channels.ts).
 */

/** The merchant's reference of the payer: PayKeeper's `clientid` (the engine's `customer.id`). */
export const clientidOf = (p: Payment): string | null => {
  const { id, reference } = p.customer as { id?: unknown; reference?: unknown };
  const value = reference ?? id;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
};

const factsOf = ({ payment: p, notice }: RegistryEntry): PkPaymentFacts => ({
  id: p.id,
  status: p.status,
  amountMinor: p.amountMinor,
  refundedMinor: p.refundedMinor,
  refundReservedMinor: p.refundReservedMinor,
  clientid: clientidOf(p),
  orderid: p.externalId,
  serviceId: p.serviceId,
  uniqueId: p.receipt.rrn,
  createdAt: p.createdAt,
  paidAt: p.paidAt,
  informer: notice,
});

const rowOf = (entry: RegistryEntry) => paymentRow(factsOf(entry));

async function entryOf(call: PkCall, paymentId = idParam(call.params)): Promise<RegistryEntry> {
  const entry = await call.host.engine.getRegistryEntry({
    merchantId: call.merchant.id,
    channel: informerChannel,
    paymentId,
  });
  return entry ?? failWith(pkEngineFail.payment_not_found);
}

/** 2.1's page of the registry: `status[]` and `payment_system_id[]` are required: without either, none (spec). */
export async function listByDate(call: PkCall): Promise<RegistryEntry[]> {
  const period = periodParam(call.params);
  const page = pageParam(call.params, true);
  const statuses = statusesParam(call.params);
  const systems = systemsParam(call.params);
  if (statuses === null || systems === null || statuses.length === 0 || systems.length === 0) return [];
  return call.host.engine.listRegistry({
    merchantId: call.merchant.id,
    channel: informerChannel,
    from: period.from,
    to: period.to,
    clauses: registryClausesOf(statuses),
    serviceIds: systems,
    ...page,
  });
}

/** 2.2's filters (shared with the export): the period, and `status[]`/`payment_system_id[]`, each filtering nothing when left out. */
export function filterOf(call: PkCall) {
  const period = periodParam(call.params);
  const statuses = statusesParam(call.params);
  const systems = systemsParam(call.params);
  const query = {
    merchantId: call.merchant.id,
    channel: informerChannel,
    from: period.from,
    to: period.to,
    clauses: statuses === null ? null : registryClausesOf(statuses),
    serviceIds: systems,
  };
  return { period, query };
}

/** 2.1: without `status[]` or `payment_system_id[]`, `[]` (spec). */
const byDate: PkHandler = async (call) => (await listByDate(call)).map(rowOf);

/** 2.2: counts by status and by system; a filter left out filters nothing. */
const byDateCount: PkHandler = async (call) => {
  const counts = await call.host.engine.countRegistry({
    ...filterOf(call).query,
    deliveredAsNone: true, // both are `success`: whole days count from the daily aggregates
  });
  const byStatus = new Map<string, bigint>();
  const bySystem = new Map<string, bigint>();
  let full = 0n;
  for (const c of counts) {
    const status = pkPaymentStatus({ status: c.status, notice: c.notice, refundInFlight: c.refundInFlight });
    byStatus.set(status, (byStatus.get(status) ?? 0n) + c.count);
    const system = (c.serviceId ?? 0n).toString();
    bySystem.set(system, (bySystem.get(system) ?? 0n) + c.count);
    full += c.count;
  }
  return {
    statuses: [...byStatus].map(([status, count]) => ({ status, count: count.toString() })),
    payment_systems: [...bySystem].map(([id, count]) => ({ payment_system_id: id, count: count.toString() })),
    fullcount: [{ count: full.toString() }],
  };
};

/** 2.3: an ARRAY of one (clients read `data[0].status`), with the system's names (COMPAT.md). */
const byId: PkHandler = async (call) => {
  const entry = await entryOf(call);
  const services = await call.host.engine.listServices(call.merchant.id);
  const service = services.find((s) => s.id === entry.payment.serviceId);
  return [
    {
      ...rowOf(entry),
      site_description: siteDescriptionOf(service?.method ?? entry.payment.system),
      system_description: service?.code ?? entry.payment.system,
    },
  ];
};

/** The facts of 2.4 and 2.5, in the spec's names; absent facts are left out. */
function optionsOf(p: Payment): [string, string][] {
  const c = p.customer;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const pairs: [string, string | null][] = [
    ['client_ip', text(p.metadata.client_ip)],
    ['orderid', p.externalId],
    ['clientid', clientidOf(p)],
    ['service_name', text(p.description)],
    ['client_email', text(c.email)],
    ['client_phone', text(c.phone)],
    ['msgtype', p.card ? p.card.brand : null],
    ['RRN', p.receipt.rrn],
    ['APPROVAL_CODE', p.receipt.approvalCode],
    ['CARD_NUMBER', p.card ? p.card.mask : null],
    ['RESULT', p.paidAt ? 'OK' : p.decline ? 'DECLINED' : null],
    ['RESULT_CODE', p.receipt.rc],
    ['DECLINE_REASON', p.decline?.reason ?? null],
  ];
  return pairs.filter((pair): pair is [string, string] => pair[1] !== null);
}

/** 2.4. */
const options: PkHandler = async (call) => Object.fromEntries(optionsOf((await entryOf(call)).payment));

/** 2.5: the same facts as rows; an id derived from the payment's and the fact's place, so it is stable. */
const params: PkHandler = async (call) => {
  const { payment } = await entryOf(call);
  return optionsOf(payment).map(([field, value], at) => ({
    id: (payment.id * 100n + BigInt(at)).toString(),
    payment_id: payment.id.toString(),
    field,
    value,
  }));
};

/** 2.6: the requests the payment's pages received (web/pages/http-log.ts), card fields left out. */
const httpLog: PkHandler = async (call) => {
  const { payment } = await entryOf(call);
  const requests = await call.host.engine.listPaymentRequests(call.merchant.id, payment.id);
  return requests.map((r) => ({
    id: r.id.toString(),
    payment_id: r.paymentId.toString(),
    request_method: r.method,
    request_uri: r.uri,
    ip: r.ip,
    body: r.body,
    datetime: printPkDatetime(r.at),
  }));
};

/** 2.7: each refund with its number, who asked, and what remained after it. */
const refunds: PkHandler = async (call) => {
  const { payment } = await entryOf(call);
  const list = await call.host.engine.listRefunds(call.merchant.id, payment.id);
  let remaining = payment.capturedMinor;
  return list.map((r, at) => {
    if (r.status !== 'failed') remaining -= r.amountMinor;
    return {
      id: r.id.toString(),
      payment_id: payment.id.toString(),
      refund_number: String(at + 1),
      user: r.initiatedBy ?? 'api',
      amount: pkAmount.print(r.amountMinor),
      reminder: pkAmount.print(remaining < 0n ? 0n : remaining),
      datetime: printPkDatetime(r.createdAt),
      status: pkRefundStatusTable[r.status],
    };
  });
};

/** A cart line as a receipt keeps it: PayKeeper's field names, amounts as two-decimal text. */
const receiptLine = (l: CartLine) => ({
  name: l.name,
  price: pkAmount.print(l.priceMinor),
  quantity: l.quantity,
  sum: pkAmount.print(l.sumMinor),
  tax: l.tax,
  ...(l.itemType !== null && { item_type: l.itemType }),
  ...(l.paymentType !== null && { payment_type: l.paymentType }),
});

/** 2.8: rights first, then the plan against what remains; the engine's conditional UPDATE settles races. */
const reverse: PkHandler = async (call) => {
  const { user, params: p, host } = call;
  const parsed = parseReverse({
    id: textParam(p, 'id') ?? '',
    amount: textParam(p, 'amount'),
    partial: textParam(p, 'partial'),
    refund_cart: textParam(p, 'refund_cart'),
  });
  if (!parsed.ok) {
    if ((textParam(p, 'id') ?? '') === '') return failWith(fieldProblemFail('id', 'required'));
    return failWith(parsed.error);
  }
  const cmd = parsed.value;
  if (!user.refunds.allowed) return failWith(pkDialectFail.refund_not_allowed);
  const { payment } = await entryOf(call, cmd.paymentId);
  const remaining = payment.capturedMinor - payment.refundedMinor - payment.refundReservedMinor;
  const plan = planReverse({ partial: cmd.partial, amountMinor: cmd.amountMinor }, remaining);
  if (!plan.ok) {
    if (plan.error === 'nothing_left' && payment.capturedMinor === 0n)
      return failWith(pkEngineFail.illegal_transition);
    return failWith(reverseFail(plan.error));
  }
  if (cmd.refundCart !== null && cmd.amountMinor === null) {
    const total = checkCartTotal(cmd.refundCart, plan.value.amountMinor);
    if (!total.ok) return failWith(cartFail(total.error));
  }
  const done = orFail(
    await host.engine.refundPayment({
      merchantId: call.merchant.id,
      paymentId: payment.id,
      amountMinor: plan.value.amountMinor,
      reason: plan.value.kind === 'full' ? 'paykeeper: full reverse' : 'paykeeper: partial reverse',
      by: { userId: user.id, login: user.login, perDay: user.refunds.perDay, day: printPkDay(host.now()) },
    }),
  );
  if (done.refund.status === 'failed') return failWith(pkEngineFail.declined);
  if (cmd.refundCart !== null)
    await host.engine.recordReceipt({
      merchantId: call.merchant.id,
      paymentId: payment.id,
      kind: 'refund',
      cart: cmd.refundCart.map(receiptLine),
    });
  return { result: 'success' };
};

/**
 * COMPAT.md: `?query=&beg_date=&end_date=` over ids, order ids and the payer's fields. Beyond
 * it, 2.1's `status[]` and `payment_system_id[]` narrow the search (the cabinet's filters);
 * a filter left out filters nothing, so COMPAT's clients get what they always got.
 */
const search: PkHandler = async (call) => {
  const p = call.params;
  const query = (textParam(p, 'query') ?? '').trim();
  const dated = (textParam(p, 'beg_date') ?? '') !== '' || (textParam(p, 'end_date') ?? '') !== '';
  const period = dated ? periodParam(p, { start: 'beg_date', end: 'end_date' }) : null;
  const page = pageParam(p, false);
  const statuses = statusesParam(p);
  const systems = systemsParam(p);
  const entries = await call.host.engine.listRegistry({
    merchantId: call.merchant.id,
    channel: informerChannel,
    ...(period && { from: period.from, to: period.to }),
    clauses: statuses === null ? null : registryClausesOf(statuses),
    serviceIds: systems,
    ...(query !== '' && { search: query }),
    ...page,
  });
  return entries.map(rowOf);
};

/** COMPAT.md: captures a two-stage payment (all of the hold, or `amount` of it). */
const capture: PkHandler = async (call) => {
  const p = call.params;
  const { payment } = await entryOf(call);
  if (payment.flow !== 'hold') return failWith(pkDialectFail.payment_not_two_stage);
  const amountText = (textParam(p, 'amount') ?? '').trim();
  let amountMinor: bigint | undefined;
  if (amountText !== '') {
    const amount = pkAmount.parse(amountText);
    if (!amount.ok) return failWith(amountFail('amount', amount.error));
    amountMinor = amount.value;
  }
  const captured = orFail(
    await call.host.engine.capturePayment({
      merchantId: call.merchant.id,
      paymentId: payment.id,
      amountMinor,
    }),
  );
  return {
    result: 'success',
    total: pkAmount.print(captured.amountMinor),
    captured: pkAmount.print(captured.capturedMinor),
  };
};

/** COMPAT.md: the payment's receipt, kept as a row (no fiscal operator is connected). */
const receiptPrint: PkHandler = async (call) => {
  const { payment } = await entryOf(call);
  if (payment.paidAt === null) return failWith(pkEngineFail.illegal_transition);
  const sum = pkAmount.print(payment.capturedMinor);
  // the one line a payment without a cart of its own is receipted as
  const cart = [
    { name: (payment.description || 'Оплата').slice(0, 128), price: sum, quantity: 1, sum, tax: 'none' },
  ];
  const receipt = orFail(
    await call.host.engine.recordReceipt({
      merchantId: call.merchant.id,
      paymentId: payment.id,
      kind: 'payment',
      cart,
    }),
  );
  return { receipt_id: receipt.id.toString() };
};

export const paymentRoutes: readonly PkRoute[] = [
  { method: 'GET', path: '/info/payments/bydate/', handler: byDate },
  { method: 'GET', path: '/info/payments/bydatecount/', handler: byDateCount },
  { method: 'GET', path: '/info/payments/byid/', handler: byId },
  { method: 'GET', path: '/info/options/byid/', handler: options },
  { method: 'GET', path: '/info/params/byid/', handler: params },
  { method: 'GET', path: '/info/httplog/byid/', handler: httpLog },
  { method: 'GET', path: '/info/refunds/bypaymentid/', handler: refunds },
  { method: 'POST', path: '/change/payment/reverse/', handler: reverse },
  { method: 'GET', path: '/info/payments/search/', handler: search },
  { method: 'POST', path: '/change/payment/capture/', handler: capture },
  { method: 'POST', path: '/change/receipt/print/', handler: receiptPrint },
];
