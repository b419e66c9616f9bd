import { informerChannel } from '../channels.ts';
import { fieldProblemFail, pkDialectFail, pkEngineFail } from '../errors.ts';
import { parsePkId } from '../map.ts';
import { failWith, type PkHandler, type PkRoute, textParam } from '../route.ts';

/**
 * 2.9 `/change/payment/repeatcnt/`: the payment's informer counter back to zero and the
 * notification sent again now (as a form or an e-mail, whichever the settings say then),
 * whatever its state: queued, delivered or stuck. A payment not yet paid has nothing to send.
 */
const repeatCount: PkHandler = async ({ host, merchant, params }) => {
  const raw = textParam(params, 'id');
  if (raw === undefined || raw === '') return failWith(fieldProblemFail('id', 'required'));
  const id = parsePkId(raw) ?? failWith(fieldProblemFail('id', 'not_an_id'));
  const payment = await host.engine.getPayment({ id }, merchant.id);
  if (!payment) return failWith(pkEngineFail.payment_not_found);
  const again = await host.engine.redeliver({
    merchantId: merchant.id,
    paymentId: id,
    channel: informerChannel,
  });
  if (!again) return failWith(pkDialectFail.payment_not_obtained);
  return { result: 'success' };
};

/** The informer: spec 2.9 `/change/payment/repeatcnt/` and the informer's settings (P3). */
export const informerRoutes: readonly PkRoute[] = [
  { method: 'POST', path: '/change/payment/repeatcnt/', handler: repeatCount },
];
