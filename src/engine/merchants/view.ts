import { createHash } from 'node:crypto';
import type { Currency } from '../../domain/currency.ts';
import type { FeeSchedule } from '../../domain/fees.ts';
import type { ServiceRow } from '../../store/schema.ts';

export type MerchantSettings = {
  /** Default callback URL for payments that name none. */
  callbackUrl?: string;
  /** PayKeeper informer: where and how a paid payment is announced. */
  informerUrl?: string;
  /** `post` (a form to `informerUrl`, the default) or `email` (to `supportEmail`, else `notificationEmail`). */
  informerType?: 'post' | 'email';
  /** Paymega: may browsers create invoices with the public key? */
  publicAccess?: boolean;
  notificationEmail?: string;
  [key: string]: unknown;
};

export type Merchant = {
  id: bigint;
  name: string;
  status: 'active' | 'disabled';
  settings: MerchantSettings;
  createdAt: Date;
};

/** Credentials in clear: returned once, at creation, and never again. */
export type MerchantCredentials = {
  id: string;
  name: string;
  /** `form_secret` signs the payer's legacy `POST /create/` form (PayKeeper's `sign`). */
  paykeeper: { login: string; password: string; informer_seed: string; form_secret: string };
  impay: { login: string; key: string; callback_key: string };
  paymega: { account_id: string; secret_key: string; public_key: string };
};

export type Dialect = 'paykeeper' | 'impay' | 'paymega';

export type Service = {
  id: bigint;
  merchantId: bigint;
  code: string;
  kind: 'pay' | 'payout';
  method: string;
  currency: Currency;
  fee: FeeSchedule;
  enabled: boolean;
};

export const toService = (row: ServiceRow): Service => ({
  id: row.id,
  merchantId: row.merchant_id,
  code: row.code,
  kind: row.kind,
  method: row.method,
  currency: row.currency,
  fee: {
    ratePpm: row.fee_rate_ppm,
    fixedMinor: row.fee_fixed_minor,
    minMinor: row.fee_min_minor,
    maxMinor: row.fee_max_minor,
  },
  enabled: row.enabled === 1n,
});

/**
 * A cabinet user's credential stamp: a digest of the password's hash, so it changes whenever
 * the password does. Tokens and sessions bound to it (PayKeeper's security token, cabinet
 * sessions) end with the old password. The one definition: verifyUser and the session check
 * both read it here.
 */
export const userStampOf = (row: { password_hash: string }): string =>
  createHash('sha256').update(row.password_hash).digest('hex').slice(0, 32);

/** The merchant's PayKeeper credential's stamp: changes when its API password does. */
export const credentialStampOf = (row: { verifier: string | null }): string =>
  createHash('sha256')
    .update(`credential:${row.verifier ?? ''}`)
    .digest('hex')
    .slice(0, 32);
