import { awaitsBrowserData, type BrowserData, type ThreeDsResult } from '../../acquiring/connector.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { PaymentRow } from '../../store/schema.ts';
import { inTransaction } from '../../store/transaction.ts';
import { answer, bankOperation, connectorFor, proceed } from '../bank.ts';
import type { EngineContext } from '../context.ts';
import { expirePastDeadline } from '../holds/store.ts';
import {
  applyAuthOutcome,
  attemptCard,
  opIdOf,
  type PayResult,
  type PayWithCardInput,
  reopenChallenge,
} from './authorize-ops.ts';
import { lockPayment } from './store.ts';

export type { PayResult, PayWithCardInput } from './authorize-ops.ts';

/**
 * The payer submits a card on the hosted page (or a merchant's PCI DSS back end does).
 * Three steps, never a transaction open across the bank call: mark the attempt `pending`,
 * ask the bank, apply its answer. A crash between them leaves `pending` with the operation
 * id recorded, which the janitor settles by asking the bank.
 */
export async function payWithCard(
  deps: EngineContext,
  input: PayWithCardInput,
): Promise<Result<PayResult, EngineError>> {
  return attemptCard(deps, input, 'payer');
}

export type ContinueThreeDsInput = {
  payment: { publicId: string } | { id: bigint };
  merchantId?: bigint;
  result: ThreeDsResult;
};

/** The payer is back from the ACS with PaRes or CRes; the bank verifies it and decides. */
export async function continueThreeDs(
  deps: EngineContext,
  input: ContinueThreeDsInput,
): Promise<Result<PayResult, EngineError>> {
  return bankOperation(deps, {
    what: 'continue3ds',
    claim: async () => {
      const claimed = await claimContinuation(deps, input);
      return claimed.ok ? proceed(claimed.value) : answer(claimed);
    },
    call: (row, signal) =>
      connectorFor(deps, row.connector).continue3ds({
        operationId: `${opIdOf(row)!}-3ds`,
        testMode: row.test_mode === 1n,
        signal,
        connectorData: JSON.parse(row.connector_data ?? '{}'),
        result: input.result,
      }),
    apply: async (row, outcome) => {
      const operationId = opIdOf(row)!;
      // The bank refused this answer, not the authorization (forged, damaged, or from another
      // challenge, e.g. a stale one re-posted by the back button): whoever sent it may not be
      // the payer, so the attempt goes on and waits for the genuine answer.
      if (outcome.kind === 'declined' && outcome.challengeOpen) {
        await reopenChallenge(deps, row.id, operationId);
        deps.log.info(
          { paymentId: row.id.toString() },
          '3-DS answer refused by the bank; the challenge stays open',
        );
        return fail(engineError('invalid_argument', { field: 'threeDsResult', detail: outcome.message }));
      }
      return applyAuthOutcome(deps, row.id, operationId, outcome);
    },
  });
}

export type AuthenticateThreeDsInput = {
  payment: { publicId: string } | { id: bigint };
  merchantId?: bigint;
  /** The payer's browser, for the bank's risk assessment. */
  browser: BrowserData;
};

/**
 * 3-D Secure v2's second phase (pay/start → pay/auth at ImPay): the attempt waits after the
 * 3DS Method (`threeDsMethodFirst`); with the browser data the bank either authenticates
 * frictionless and authorizes at once, or issues the challenge's CReq. Claimed as the 3-DS
 * step (`op_in_flight = '3ds'`) like a continuation, so a repeated call reaches the bank once
 * and the janitor settles a lost answer through `status` as for any 3-DS step.
 */
export async function authenticateThreeDs(
  deps: EngineContext,
  input: AuthenticateThreeDsInput,
): Promise<Result<PayResult, EngineError>> {
  return bankOperation(deps, {
    what: 'authenticate3ds',
    claim: async () => {
      const claimed = await claimContinuation(deps, input, 'authenticate');
      return claimed.ok ? proceed(claimed.value) : answer(claimed);
    },
    call: (row, signal) =>
      connectorFor(deps, row.connector).authenticate3ds({
        operationId: `${opIdOf(row)!}-3ds-auth`,
        testMode: row.test_mode === 1n,
        signal,
        connectorData: JSON.parse(row.connector_data ?? '{}'),
        browser: input.browser,
      }),
    apply: (row, outcome) => applyAuthOutcome(deps, row.id, opIdOf(row)!, outcome),
  });
}

/** The 3-DS step claimed on the payment (`op_in_flight = '3ds'`), in its own transaction. */
async function claimContinuation(
  deps: EngineContext,
  input: { payment: ContinueThreeDsInput['payment']; merchantId?: bigint },
  step: 'continue' | 'authenticate' = 'continue',
): Promise<Result<PaymentRow, EngineError>> {
  return inTransaction(deps.database, async (trx): Promise<Result<PaymentRow, EngineError>> => {
    const row = await lockPayment(trx, deps.database.flavor, input.payment, input.merchantId);
    if (!row) return fail(engineError('payment_not_found'));
    if (row.status !== 'pending' || !row.challenge || row.op_in_flight)
      return fail(
        engineError('illegal_transition', { detail: `payment is ${row.status}, no 3-DS step awaited` }),
      );
    // a two-phase v2 attempt has issued no CReq yet: there is nothing an ACS answer could answer
    if (awaitsBrowserData(JSON.parse(row.challenge)) !== (step === 'authenticate'))
      return fail(
        engineError('illegal_transition', {
          detail:
            step === 'authenticate' ? 'no 3-DS browser data awaited' : 'the 3-DS browser data comes first',
        }),
      );
    // Past the payment's deadline no answer counts, however genuine: the payment expires.
    if (await expirePastDeadline(trx, deps, row, '3-DS answer after expiry'))
      return fail(engineError('payment_expired'));
    // Claim the step, so a double-submitted ACS form reaches the bank once. A janitor's wait
    // left from asking about the lapsed challenge or an earlier continuation is not this one's.
    const after = await trx
      .updateTable('payments')
      .set({ op_in_flight: '3ds', op_started_at: deps.now().getTime(), next_check_at: null })
      .where('id', '=', row.id)
      .where('op_in_flight', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return after ? ok(after) : fail(engineError('illegal_transition'));
  });
}
