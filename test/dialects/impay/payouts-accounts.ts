import { accountCheckDigit } from '../../../src/domain/bank-details.ts';

/** Bank details whose check digits hold, for payout tests. */
export const bic = '044525225';

/** A 20-digit account keyed with the BIC (its 9th digit is the check digit). */
export function keyedAccount(raw: string, withBic = bic): string {
  return raw.slice(0, 8) + accountCheckDigit(raw, withBic) + raw.slice(9);
}

export const companyAccount = keyedAccount('40702810000000012345');
/** The simulator's beneficiary bank declines accounts ending in 0000 (test-cards.ts). */
export const declinedAccount = keyedAccount('40702810000000010000');
export const personAccount = keyedAccount('40817810000000054321');

export const company = {
  name: 'ООО Ромашка',
  inn: '7707083893',
  kpp: '773601001',
  account: companyAccount,
  bic,
};
