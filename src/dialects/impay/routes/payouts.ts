import type { PayoutCmd, PayoutTarget } from '../../../engine/payouts/payouts.ts';
import { fieldRefusal, messages, refusalOf } from '../errors.ts';
import { payoutStateRes, toImpayId } from '../map.ts';
import type { ImpayAnswer, ImpayCall, ImpayOperations } from '../operation.ts';
import {
  type OutNdflCmd,
  type Parsed,
  parseById,
  parseOutNdfl,
  parseOutPayAcc,
  parseOutPayCard,
  parseOutPayUl,
} from '../parse.ts';
import type { OperationPath } from '../wire.ts';

/**
 * Payouts (`out/*`): each debits the merchant's balance before the bank is asked (the engine's
 * createPayout), so a short balance is refused and parallel payouts never overdraw it. A repeat
 * of an extid with the same amount and payee answers the first payout again.
 */

type Payee = { destination: PayoutTarget; amountMinor: bigint; externalId: string | null };

/** One payout operation: parse, pay out of the balance, answer ImPay's `{status,message,id}`. */
const payout =
  <C>(path: OperationPath, parse: (body: unknown) => Parsed<C>, payee: (cmd: C) => Payee) =>
  async ({ host, merchant, body }: ImpayCall): Promise<ImpayAnswer> => {
    const parsed = parse(body);
    if (!parsed.ok) return fieldRefusal(parsed.error);
    const { destination, amountMinor, externalId } = payee(parsed.value);
    const cmd: PayoutCmd = {
      merchantId: merchant.id,
      amountMinor,
      currency: 'RUB',
      destination,
      origin: 'impay',
      ...(externalId === null ? {} : { externalId }),
    };
    const made = await host.engine.createPayout(cmd);
    if (!made.ok) return refusalOf(path, made.error);
    const id = toImpayId(made.value.id);
    // the bank refused it at once: ImPay's status 2, with the id to ask about it (COMPAT.md)
    if (made.value.status === 'failed') return { status: 2, message: messages.declined, id };
    return { status: 1, message: '', id };
  };

/** A company's (or a sole trader's) account, and for a tax transfer the payment order's fields. */
const companyAccount = (cmd: Omit<OutNdflCmd, 'tax'> & { tax?: OutNdflCmd['tax'] }): Payee => ({
  destination: {
    kind: 'account',
    account: cmd.to.account,
    bic: cmd.to.bic,
    name: cmd.payee.name,
    inn: cmd.payee.inn,
    payee: 'company',
    ...(cmd.payee.kpp === null ? {} : { kpp: cmd.payee.kpp }),
    ...(cmd.description === null ? {} : { purpose: cmd.description }),
    ...(cmd.tax ? { tax: taxDetails(cmd.tax) } : {}),
  },
  amountMinor: cmd.amountMinor,
  externalId: cmd.externalId,
});

/** The tax fields that were given, as text (they are kept with the payout). */
const taxDetails = (tax: OutNdflCmd['tax']): Record<string, string> =>
  Object.fromEntries(Object.entries(tax).filter((e): e is [string, string] => e[1] !== null));

export const payoutsOperations: ImpayOperations = {
  'out/paycard': payout('out/paycard', parseOutPayCard, (cmd) => ({
    destination:
      cmd.destination.kind === 'saved_card'
        ? cmd.destination
        : { kind: 'card_number', pan: cmd.destination.pan },
    amountMinor: cmd.amountMinor,
    externalId: cmd.externalId,
  })),
  'out/payul': payout('out/payul', parseOutPayUl, companyAccount),
  'out/ndfl': payout('out/ndfl', parseOutNdfl, companyAccount),
  'out/payacc': payout('out/payacc', parseOutPayAcc, (cmd) => ({
    destination: {
      kind: 'account',
      account: cmd.to.account,
      bic: cmd.to.bic,
      name: cmd.fio,
      payee: 'person',
      ...(cmd.description === null ? {} : { purpose: cmd.description }),
    },
    amountMinor: cmd.amountMinor,
    externalId: cmd.externalId,
  })),
  'out/state': async ({ host, merchant, body }) => {
    const cmd = parseById(body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const found = await host.engine.getPayout(merchant.id, { id: cmd.value.id });
    // another API's payout is not ImPay's to report (as pay/state does for payments)
    if (found?.origin !== 'impay') return { status: 0, message: messages.notFound };
    return payoutStateRes(found);
  },
};
