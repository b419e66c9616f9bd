import { limits } from '../../../domain/limits.ts';
import type { StatementLine } from '../../../engine/ledger/store.ts';
import type { Payment } from '../../../engine/payments/view.ts';
import type { Payout } from '../../../engine/payouts/view.ts';
import { ExactNumber } from '../../kit/json.ts';
import { impayAmount } from '../amount.ts';
import { fieldRefusal, messages } from '../errors.ts';
import { paymentStateRes, payoutStateRes, toImpayId } from '../map.ts';
import type { ImpayOperations } from '../operation.ts';
import { parseOperations, parseStatements } from '../parse.ts';

/**
 * The merchant's account: its balance (what it may pay out), the operations list and the
 * statement of its available balance. The spec does not describe list items; ours are
 * documented in docs/impay-plan.md ("Account").
 */

/** An amount as ImPay prints it: a bare `%.2f` JSON number (`1234.50`), never via a double. */
const money = (amountMinor: bigint) => new ExactNumber(impayAmount.print(amountMinor));

const moscow = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Moscow',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `YYYY-MM-DD HH:MM:SS` in Moscow time, as ImPay's cabinet shows operations. */
export function moscowStamp(at: Date): string {
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    moscow.formatToParts(at).find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/** Kinds of operation in `account/operations` (`type`). */
const operationTypes = { payIn: 0, payout: 1 } as const;

type Item = { at: Date; doc: Record<string, unknown> };

const paymentItem = (p: Payment): Item => {
  const state = paymentStateRes(p);
  // a hold confirmed for less, or a charge: what was taken; before that, what was asked
  const amount = p.capturedMinor > 0n ? p.capturedMinor : p.amountMinor;
  return {
    at: p.createdAt,
    doc: {
      id: toImpayId(p.id),
      type: operationTypes.payIn,
      extid: p.externalId ?? '',
      amount: money(amount),
      status: state.status,
      rc: state.rc,
      date: moscowStamp(p.createdAt),
    },
  };
};

const payoutItem = (p: Payout): Item => {
  const state = payoutStateRes(p);
  return {
    at: p.createdAt,
    doc: {
      id: toImpayId(p.id),
      type: operationTypes.payout,
      extid: p.externalId ?? '',
      amount: money(p.amountMinor),
      status: state.status,
      rc: state.rc,
      date: moscowStamp(p.createdAt),
    },
  };
};

/** What a movement of the balance was, in the words of a bank statement. */
const movementNames: Readonly<Record<string, string>> = {
  capture: 'Зачисление платежа',
  refund_reserve: 'Возврат платежа',
  refund_decline: 'Отмена возврата',
  payout_reserve: 'Выплата',
  payout_decline: 'Отмена выплаты',
};

const statementItem = (line: StatementLine) => ({
  id: toImpayId(line.entryId),
  date: moscowStamp(line.at),
  amount: money(line.amountMinor),
  balance: money(line.balanceAfterMinor),
  description: `${movementNames[line.kind] ?? line.kind} №${line.refId}`,
});

export const accountOperations: ImpayOperations = {
  'account/balance': async ({ host, merchant }) => {
    const books = await host.engine.balances(merchant.id, 'RUB');
    return { status: 1, message: '', amount: money(books.available ?? 0n) };
  },

  'account/operations': async ({ host, merchant, body }) => {
    const cmd = parseOperations(body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const { type, period } = cmd.value;
    const range = {
      merchantId: merchant.id,
      from: new Date(period.fromMs),
      to: new Date(period.toMs + 1),
      limit: limits.pageSizeMax,
    };
    const items: Item[] = [];
    if (type === null || type === operationTypes.payIn)
      items.push(...(await host.engine.listPayments(range)).map(paymentItem));
    if (type === null || type === operationTypes.payout)
      items.push(...(await host.engine.listPayouts(range)).map(payoutItem));
    items.sort((a, b) => b.at.getTime() - a.at.getTime());
    return { status: 1, message: '', list: items.slice(0, limits.pageSizeMax).map((i) => i.doc) };
  },

  'account/statements': async ({ host, merchant, body }) => {
    const cmd = parseStatements(body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const { account, period } = cmd.value;
    // the merchant's nominal account, when it has one configured; any other is not its own
    const own = merchant.settings.impayAccount;
    if (account !== null && typeof own === 'string' && account !== own)
      return { status: 0, message: messages.notFound };
    const lines = await host.engine.ledgerStatement({
      merchantId: merchant.id,
      currency: 'RUB',
      account: 'available',
      fromMs: period.fromMs,
      toMs: period.toMs,
      limit: limits.pageSizeMax,
    });
    return { status: 1, message: '', statements: lines.map(statementItem) };
  },
};
