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
  /** The organization as PayKeeper's 4.3 shows it (shopname falls back to the merchant's name). */
  shopName?: string;
  shopDomain?: string;
  legalName?: string;
  /** PayKeeper's `paykeeper_id`, the contract number (falls back to the merchant's id). */
  contractNumber?: string;
  /** The organization's address (PayKeeper `support_email`); the e-mail informer writes to it. */
  supportEmail?: string;
  /** The organization's own SMTP server for its e-mail (PayKeeper 5.1 `smtp_*`); the password is sealed apart. */
  smtpUseCustom?: boolean;
  smtpHost?: string;
  smtpPort?: number;
  smtpUser?: string;
  /** Send the payer straight back to the shop (`successUrl` / `failUrl`), skipping Kopek's result pages. */
  skipDefaultPages?: boolean;
  successUrl?: string;
  failUrl?: string;
  /**
   * The cabinet's tabs and buttons to hide (the newer settings API's `cabinet` flags) are kept
   * one key each, `cabinet.<flag>: boolean`, so two changes at once never undo each other.
   */
  /** The payment buttons shown, `bank.method` (the newer settings API's `enabledbuttons`); unset: every enabled pay service. */
  enabledButtons?: string[];
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
  /** The demo merchant's cabinet administrator (cli/start-up.ts), kept with the demo's credentials. */
  cabinet?: { login: string; password: string };
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

/** The merchant's PayKeeper credential's stamp: changes when its API password does. */
export const credentialStampOf = (row: { verifier: string | null }): string =>
  createHash('sha256')
    .update(`credential:${row.verifier ?? ''}`)
    .digest('hex')
    .slice(0, 32);
/** Refund rights of a cabinet user (PayKeeper 4.7): allowed at all, and how many a Moscow day (null: no limit). */
export type RefundRights = { allowed: boolean; perDay: number | null };

export type User = {
  id: bigint;
  merchantId: bigint | null;
  login: string;
  role: 'admin' | 'operator';
  refunds: RefundRights;
};
