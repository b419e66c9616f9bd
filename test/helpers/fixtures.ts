import assert from 'node:assert/strict';
import type { CardData } from '../../src/domain/card-data.ts';
import type { Result } from '../../src/domain/result.ts';
import type { Engine } from '../../src/engine/engine.ts';
import type { CreatePaymentCmd } from '../../src/engine/payments/create-store.ts';
import type { Payment } from '../../src/engine/payments/view.ts';
import { Secret } from '../../src/security/secret.ts';

export const cards = {
  approved: '4111111111111111',
  mastercard: '5555555555554444',
  mir: '2200000000000004',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  threeDsV1: '4000000000003063',
  threeDsV2Frictionless: '4000000000003055',
  threeDsV2Challenge: '4000000000003220',
  timeout: '4000000000007775',
} as const;

export const card = (pan: string, more: Partial<CardData> = {}): Secret<CardData> =>
  new Secret({ pan, expiry: { month: 12, year: 2030 }, cvc: '123', holder: 'IVAN IVANOV', ...more });

export function unwrap<T, E>(result: Result<T, E>): T {
  if (!result.ok) assert.fail(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

export function expectFail<T, E extends { code: string }>(result: Result<T, E>, code: string): E {
  if (result.ok) assert.fail(`expected failure ${code}, got ok`);
  assert.equal(result.error.code, code);
  return result.error;
}

export async function merchant(engine: Engine, name = 'Shop'): Promise<bigint> {
  return BigInt(unwrap(await engine.createMerchant({ name })).id);
}

export async function payment(
  engine: Engine,
  merchantId: bigint,
  more: Partial<CreatePaymentCmd> = {},
): Promise<Payment> {
  return unwrap(
    await engine.createPayment({
      merchantId,
      origin: 'core',
      amountMinor: 100_00n,
      currency: 'RUB',
      ...more,
    }),
  ).payment;
}

/** A captured payment: created and paid with the approved card. */
export async function paid(
  engine: Engine,
  merchantId: bigint,
  more: Partial<CreatePaymentCmd> = {},
): Promise<Payment> {
  const p = await payment(engine, merchantId, more);
  const result = unwrap(await engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }));
  return result.payment;
}

/** The ledger's self-check, asserted: run after every engine test. */
export async function assertLedgerBalanced(engine: Engine): Promise<void> {
  const check = await engine.verifyLedger();
  assert.equal(check.postingsSumMinor, 0n, 'all postings sum to zero');
  assert.equal(check.unbalancedEntries, 0, 'every entry balances');
  assert.deepEqual(check.driftedAccounts, [], 'every balance equals the sum of its postings');
}
