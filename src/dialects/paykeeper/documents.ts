import type { PaymentStatus } from '../../domain/states.ts';
import { pkAmount } from './amounts.ts';
import { printPkDatetime } from './dates.ts';
import { type InformerNotice, pkPaymentStatus } from './map.ts';
import { informerKey } from './sign.ts';
import type { InformerForm, PaymentRow } from './wire.ts';

/**
 * The documents built from a payment: the registry row (2.1, 2.3, search) and the
 * informer's form. Inputs are the facts these need, named here, so the documents do not
 * depend on where the engine keeps its types; the routes fill them from the engine's
 * Payment and the informer's outbox row.
 */

export type InformerState = {
  notice: InformerNotice;
  /** The outbox row's attempts: PayKeeper's `repeat_counter`. */
  attempts: number;
  deliveredAt: Date | null;
};

export type PkPaymentFacts = {
  id: bigint;
  status: PaymentStatus;
  amountMinor: bigint;
  refundedMinor: bigint;
  refundReservedMinor: bigint;
  /** PayKeeper's `clientid`: the customer's reference. */
  clientid: string | null;
  /** PayKeeper's `orderid`: the payment's external id. */
  orderid: string | null;
  /** The service (payment system) id; a payment without one shows system `0`. */
  serviceId: bigint | null;
  /** The bank's transaction reference (RRN), PayKeeper's `unique_id`. */
  uniqueId: string | null;
  createdAt: Date;
  paidAt: Date | null;
  informer: InformerState;
};

/**
 * When the merchant was informed: the informer's delivery, or the payment itself when there
 * is no informer (it is `success` at once, map.ts).
 */
function successAt(p: PkPaymentFacts): Date | null {
  if (p.paidAt === null) return null;
  if (p.informer.notice === 'none') return p.paidAt;
  return p.informer.notice === 'delivered' ? p.informer.deliveredAt : null;
}

export function paymentRow(p: PkPaymentFacts): PaymentRow {
  const informed = successAt(p);
  return {
    id: p.id.toString(),
    pay_amount: pkAmount.print(p.amountMinor),
    refund_amount: pkAmount.print(p.refundedMinor),
    clientid: p.clientid,
    orderid: p.orderid,
    payment_system_id: (p.serviceId ?? 0n).toString(),
    unique_id: p.uniqueId,
    status: pkPaymentStatus({
      status: p.status,
      notice: p.informer.notice,
      refundInFlight: p.refundReservedMinor > 0n,
    }),
    repeat_counter: String(p.informer.attempts),
    pending_datetime: printPkDatetime(p.createdAt),
    obtain_datetime: p.paidAt === null ? null : printPkDatetime(p.paidAt),
    success_datetime: informed === null ? null : printPkDatetime(informed),
  };
}

export type InformerFacts = {
  id: bigint;
  /** What was taken: the captured amount, or the hold for a two-stage payment. */
  amountMinor: bigint;
  clientid: string | null;
  orderid: string | null;
  serviceName: string;
  clientEmail: string | null;
  clientPhone: string | null;
  serviceId: bigint | null;
  /** Masked only (first 6, last 4); never the PAN. */
  cardMask: string | null;
  cardHolder: string | null;
  paidAt: Date;
  /** A two-stage payment's hold time: its `batch_date`. */
  heldAt: Date | null;
};

/**
 * The informer's POST form, signed with the seed current when it is sent (so a changed seed
 * signs the next attempt). Missing values are empty strings, as a PHP form carries them.
 */
export function informerForm(f: InformerFacts, seed: string): InformerForm {
  const sum = pkAmount.print(f.amountMinor);
  const id = f.id.toString();
  const form: InformerForm = {
    id,
    sum,
    clientid: f.clientid ?? '',
    orderid: f.orderid ?? '',
    key: informerKey({ id, sum, clientid: f.clientid, orderid: f.orderid }, seed),
    service_name: f.serviceName,
    client_email: f.clientEmail ?? '',
    client_phone: f.clientPhone ?? '',
    ps_id: (f.serviceId ?? 0n).toString(),
    card_number: f.cardMask ?? '',
    card_holder: f.cardHolder ?? '',
    obtain_datetime: printPkDatetime(f.paidAt),
  };
  if (f.heldAt !== null) form.batch_date = printPkDatetime(f.heldAt);
  return form;
}
