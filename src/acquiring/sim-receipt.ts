import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { randomBase62 } from '../domain/ids.ts';

/**
 * Reference numbers shaped like a real acquirer's, so screens, callbacks and reconciliation
 * code see the formats they will meet in production.
 */

const digits = (length: number): string => {
  let out = '';
  while (out.length < length) out += String(randomInt(0, 10));
  return out;
};

/**
 * Retrieval reference number, 12 digits in the customary `YDDDHHNNNNNN` layout: last digit of
 * the year, day of the year, hour (UTC), then a six-digit sequence (random here).
 */
export function newRrn(now: Date): string {
  const startOfYear = Date.UTC(now.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((now.getTime() - startOfYear) / 86_400_000) + 1;
  const year = String(now.getUTCFullYear() % 10);
  const day = String(dayOfYear).padStart(3, '0');
  const hour = String(now.getUTCHours()).padStart(2, '0');
  return `${year}${day}${hour}${digits(6)}`;
}

const approvalAlphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Issuer's authorization code: six characters, digits and upper-case letters. */
export function newApprovalCode(): string {
  let out = '';
  for (let i = 0; i < 6; i++) out += approvalAlphabet[randomInt(0, approvalAlphabet.length)];
  return out;
}

/** The bank's id of one authorization or payout; what it is looked up by later. */
export const newBankRef = (): string => `SIM${randomBase62(16)}`;

/** MD / threeDSSessionData: unguessable, so one payer's challenge can't be answered for another. */
export const newThreeDsBinding = (): string => randomBase62(24);

/** A Directory Server transaction id (EMV 3DS `dsTransID`): a UUID. */
export const newDsTransId = (): string => randomUUID();

/** The ACS's authentication value (CAVV/AAV): 20 bytes, base64, as the networks carry it. */
export const newAuthenticationValue = (): string => randomBytes(20).toString('base64');
