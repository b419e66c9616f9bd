import { sendCallback } from '../../delivery/outgoing.ts';
import type { PaymentGate } from '../../engine/context.ts';
import type { DialectHost } from '../dialect.ts';
import { impayAmount } from './amount.ts';
import { checkVerdict } from './callbacks.ts';
import { impaySettingsOf } from './settings.ts';

/**
 * ImPay's check request: before an ImPay payment reaches the bank, a merchant with a check URL
 * is asked `GET checkUrl?extid=&sum=` and must answer `{"success":true}`. Anything else (false,
 * an error status, no JSON, no answer within the connector timeout) refuses the payment,
 * which then fails without a bank call (engine/payments/gate-ops.ts).
 */
export function impayPaymentGate(host: DialectHost): PaymentGate {
  return async (payment) => {
    if (payment.origin !== 'impay') return { allowed: true };
    const merchant = await host.engine.getMerchant(payment.merchantId);
    const checkUrl = merchant ? impaySettingsOf(merchant.settings).checkUrl : null;
    if (!checkUrl) return { allowed: true };
    const query: [string, string][] = [
      ['extid', payment.externalId ?? ''],
      ['sum', impayAmount.print(payment.amountMinor)],
    ];
    try {
      const answer = await sendCallback(
        { url: checkUrl, body: { query } },
        AbortSignal.timeout(host.config.connectorTimeoutMs),
      );
      const verdict = checkVerdict(answer.status, answer.body);
      host.log.info(
        { paymentId: payment.id.toString(), status: answer.status, allowed: verdict.allowed },
        'impay: check request answered',
      );
      return verdict;
    } catch (error) {
      host.log.warn({ paymentId: payment.id.toString(), err: error }, 'impay: check request failed');
      return checkVerdict(null, null);
    }
  };
}
