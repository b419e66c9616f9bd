import type { Database } from '../store/database.ts';
import { applyAuthOutcome, continueThreeDs, payWithCard } from './authorize.ts';
import type { EngineDeps } from './context.ts';
import { capturePayment, voidPayment } from './holds.ts';
import { createInvoice, getInvoice, revokeInvoice, sendInvoice } from './invoices.ts';
import { expireDue, resolveUnsettled } from './janitor.ts';
import { balances, verify } from './ledger.ts';
import {
  authenticate,
  authenticateByPublicKey,
  createMerchant,
  createUser,
  getMerchant,
  listMerchants,
  listServices,
  merchantAuth,
  setMerchantStatus,
  setServiceFee,
  updateMerchantSettings,
  verifyUser,
} from './merchants.ts';
import { cancelPayment, createPayment, getPayment, listPayments } from './payments.ts';
import { createPayout, getPayout } from './payouts.ts';
import { listRefunds, refundPayment } from './refunds.ts';
import { statistics } from './statistics.ts';

type Bound<F> = F extends (deps: EngineDeps, ...args: infer A) => infer R ? (...args: A) => R : never;
const bind = <F extends (deps: EngineDeps, ...args: never[]) => unknown>(deps: EngineDeps, f: F) =>
  ((...args: never[]) => f(deps, ...args)) as Bound<F>;

/**
 * The engine: every use case, each one transaction (state + ledger + outbox), bound to its
 * dependencies. Dialects, pages, workers and the CLI call these and nothing below them.
 */
export function createEngine(deps: EngineDeps) {
  return {
    deps,
    database: deps.database as Database,
    // merchants, credentials, users, services
    createMerchant: bind(deps, createMerchant),
    getMerchant: bind(deps, getMerchant),
    listMerchants: bind(deps, listMerchants),
    updateMerchantSettings: bind(deps, updateMerchantSettings),
    setMerchantStatus: bind(deps, setMerchantStatus),
    authenticate: bind(deps, authenticate),
    authenticateByPublicKey: bind(deps, authenticateByPublicKey),
    merchantAuth: bind(deps, merchantAuth),
    createUser: bind(deps, createUser),
    verifyUser: bind(deps, verifyUser),
    listServices: bind(deps, listServices),
    setServiceFee: bind(deps, setServiceFee),
    // payments
    createPayment: bind(deps, createPayment),
    getPayment: bind(deps, getPayment),
    listPayments: bind(deps, listPayments),
    cancelPayment: bind(deps, cancelPayment),
    payWithCard: bind(deps, payWithCard),
    continueThreeDs: bind(deps, continueThreeDs),
    applyAuthOutcome: bind(deps, applyAuthOutcome),
    capturePayment: bind(deps, capturePayment),
    voidPayment: bind(deps, voidPayment),
    refundPayment: bind(deps, refundPayment),
    listRefunds: bind(deps, listRefunds),
    // invoices (bills)
    createInvoice: bind(deps, createInvoice),
    getInvoice: bind(deps, getInvoice),
    sendInvoice: bind(deps, sendInvoice),
    revokeInvoice: bind(deps, revokeInvoice),
    // payouts
    createPayout: bind(deps, createPayout),
    getPayout: bind(deps, getPayout),
    // books and figures
    balances: (merchantId: bigint, currency: Parameters<typeof balances>[2]) =>
      balances(deps.database, merchantId, currency),
    verifyLedger: () => verify(deps.database),
    statistics: bind(deps, statistics),
    // background repairs
    expireDue: bind(deps, expireDue),
    resolveUnsettled: bind(deps, resolveUnsettled),
  };
}

export type Engine = ReturnType<typeof createEngine>;
