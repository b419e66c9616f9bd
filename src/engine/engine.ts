import type { Database } from '../store/database.ts';
import { beneficiaryForm, registerBeneficiary } from './beneficiaries/beneficiaries.ts';
import {
  chargeSavedCard,
  deleteCard,
  getCard,
  listCards,
  registerCard,
  releaseVerificationHolds,
} from './cards/cards.ts';
import { cardFollowsPayment } from './cards/store.ts';
import { settleLapsedChallenge, settleLapsedChallenges } from './chores/challenges.ts';
import { expireDue, expireIfDue } from './chores/expiry.ts';
import { resolveUnsettled } from './chores/janitor.ts';
import type { EngineContext, EngineDeps, PaymentFollower } from './context.ts';
import { seedDemo } from './demo/seed.ts';
import { capturePayment, voidPayment } from './holds/holds.ts';
import {
  confirmIdentificationCode,
  getIdentification,
  startIdentification,
} from './identifications/identifications.ts';
import {
  countInvoices,
  createInvoice,
  getInvoice,
  invoiceMailState,
  listInvoices,
  revokeInvoice,
  sendInvoice,
} from './invoices/invoices.ts';
import { invoiceFollowsPayment } from './invoices/store.ts';
import { keyUsage, rotateKeys } from './keys/keys.ts';
import { balances, ledgerStatement, verify } from './ledger/store.ts';
import {
  authenticate,
  authenticateByPublicKey,
  createMerchant,
  createUser,
  getMerchant,
  listMerchants,
  listServices,
  merchantAuth,
  merchantSmtp,
  organizationSecrets,
  setDialectSecret,
  setInformerSeed,
  setMerchantStatus,
  setServiceFee,
  updateMerchantSettings,
  verifyUser,
} from './merchants/merchants.ts';
import {
  addReportEmail,
  changeFormField,
  deleteReportEmail,
  listFormFields,
  listReportEmails,
} from './merchants/organization.ts';
import { deleteUser, lastVisit, listUsers, noteUserVisit, updateUser, userStamp } from './merchants/users.ts';
import { hasLaterNotification, listDeliveries } from './outbox/deliveries.ts';
import {
  paymentNotices,
  queueNotification,
  queueNotifications,
  redeliver,
} from './outbox/payment-notices.ts';
import { authenticateThreeDs, continueThreeDs, payWithCard } from './payments/authorize.ts';
import { applyAuthOutcome } from './payments/authorize-ops.ts';
import { listPaymentRequests, logPaymentRequest } from './payments/http-log.ts';
import { cancelPayment, createPayment, getPayment, listPayments } from './payments/payments.ts';
import {
  countRegistry,
  declineCounts,
  getRegistryEntry,
  listRegistry,
  noticeSums,
} from './payments/registry.ts';
import { finishTestOutcomes, payWithTestMethod } from './payments/test-method.ts';
import { createPayout, getPayout, listPayouts } from './payouts/payouts.ts';
import { hitRateLimit, pruneRateLimits } from './rate-limits/rate-limits.ts';
import { recordReceipt } from './receipts/receipts.ts';
import { listRefunds, listRefundsOf, refundPayment } from './refunds/refunds.ts';
import { closeSession, openSession, pruneSessions, resumeSession } from './sessions/sessions.ts';
import { rebuildStats, statistics } from './stats/stats.ts';
import { statsFollowPayment } from './stats/store.ts';

/**
 * What follows every payment change, in its transaction and in this order: the day's
 * statistics, the payment's invoice, the card it registers or saves. The payment store calls
 * them without knowing them (context.ts PaymentFollower).
 */
const paymentFollowers: readonly PaymentFollower[] = [
  statsFollowPayment,
  invoiceFollowsPayment,
  cardFollowsPayment,
];

type Bound<F> = F extends (deps: EngineContext, ...args: infer A) => infer R ? (...args: A) => R : never;
const bind = <F extends (deps: EngineContext, ...args: never[]) => unknown>(deps: EngineContext, f: F) =>
  ((...args: never[]) => f(deps, ...args)) as Bound<F>;

/**
 * The engine: every use case, each one transaction (state + ledger + outbox), bound to its
 * dependencies. Dialects, pages, workers and the CLI call these and nothing below them.
 */
export function createEngine(given: EngineDeps) {
  const deps: EngineContext = { ...given, followers: paymentFollowers };
  return {
    deps,
    database: deps.database as Database,
    // merchants, credentials, users, services
    createMerchant: bind(deps, createMerchant),
    getMerchant: bind(deps, getMerchant),
    listMerchants: bind(deps, listMerchants),
    updateMerchantSettings: bind(deps, updateMerchantSettings),
    setMerchantStatus: bind(deps, setMerchantStatus),
    setDialectSecret: bind(deps, setDialectSecret),
    authenticate: bind(deps, authenticate),
    authenticateByPublicKey: bind(deps, authenticateByPublicKey),
    merchantAuth: bind(deps, merchantAuth),
    setInformerSeed: bind(deps, setInformerSeed),
    createUser: bind(deps, createUser),
    verifyUser: bind(deps, verifyUser),
    listServices: bind(deps, listServices),
    setServiceFee: bind(deps, setServiceFee),
    // organization settings and users (PayKeeper 4–5)
    merchantSmtp: bind(deps, merchantSmtp),
    organizationSecrets: bind(deps, organizationSecrets),
    listReportEmails: bind(deps, listReportEmails),
    addReportEmail: bind(deps, addReportEmail),
    deleteReportEmail: bind(deps, deleteReportEmail),
    listFormFields: bind(deps, listFormFields),
    changeFormField: bind(deps, changeFormField),
    listUsers: bind(deps, listUsers),
    updateUser: bind(deps, updateUser),
    deleteUser: bind(deps, deleteUser),
    userStamp: bind(deps, userStamp),
    noteUserVisit: bind(deps, noteUserVisit),
    lastVisit: bind(deps, lastVisit),
    // payments
    createPayment: bind(deps, createPayment),
    getPayment: bind(deps, getPayment),
    listPayments: bind(deps, listPayments),
    cancelPayment: bind(deps, cancelPayment),
    payWithCard: bind(deps, payWithCard),
    continueThreeDs: bind(deps, continueThreeDs),
    authenticateThreeDs: bind(deps, authenticateThreeDs),
    applyAuthOutcome: bind(deps, applyAuthOutcome),
    payWithTestMethod: bind(deps, payWithTestMethod),
    capturePayment: bind(deps, capturePayment),
    voidPayment: bind(deps, voidPayment),
    refundPayment: bind(deps, refundPayment),
    listRefunds: bind(deps, listRefunds),
    listRefundsOf: bind(deps, listRefundsOf),
    // the registry as cabinets read it (PayKeeper): filters over notification state, counts
    listRegistry: bind(deps, listRegistry),
    countRegistry: bind(deps, countRegistry),
    getRegistryEntry: bind(deps, getRegistryEntry),
    noticeSums: bind(deps, noticeSums),
    declineCounts: bind(deps, declineCounts),
    recordReceipt: bind(deps, recordReceipt),
    logPaymentRequest: bind(deps, logPaymentRequest),
    listPaymentRequests: bind(deps, listPaymentRequests),
    // invoices (bills)
    createInvoice: bind(deps, createInvoice),
    getInvoice: bind(deps, getInvoice),
    sendInvoice: bind(deps, sendInvoice),
    revokeInvoice: bind(deps, revokeInvoice),
    listInvoices: bind(deps, listInvoices),
    countInvoices: bind(deps, countInvoices),
    invoiceMailState: bind(deps, invoiceMailState),
    // payouts
    createPayout: bind(deps, createPayout),
    getPayout: bind(deps, getPayout),
    listPayouts: bind(deps, listPayouts),
    // card vault (saved cards, autopay) and master keys
    registerCard: bind(deps, registerCard),
    getCard: bind(deps, getCard),
    listCards: bind(deps, listCards),
    deleteCard: bind(deps, deleteCard),
    chargeSavedCard: bind(deps, chargeSavedCard),
    releaseVerificationHolds: bind(deps, releaseVerificationHolds),
    rotateKeys: bind(deps, rotateKeys),
    keyUsage: bind(deps, keyUsage),
    // books and figures
    balances: (merchantId: bigint, currency: Parameters<typeof balances>[2]) =>
      balances(deps.database, merchantId, currency),
    verifyLedger: () => verify(deps.database),
    ledgerStatement: (q: Parameters<typeof ledgerStatement>[1]) => ledgerStatement(deps.database, q),
    statistics: bind(deps, statistics),
    rebuildStats: bind(deps, rebuildStats),
    // notifications as merchants see them
    listDeliveries: bind(deps, listDeliveries),
    hasLaterNotification: bind(deps, hasLaterNotification),
    // identification of persons (KYC)
    startIdentification: bind(deps, startIdentification),
    confirmIdentificationCode: bind(deps, confirmIdentificationCode),
    getIdentification: bind(deps, getIdentification),
    registerBeneficiary: bind(deps, registerBeneficiary),
    beneficiaryForm: bind(deps, beneficiaryForm),
    paymentNotices: bind(deps, paymentNotices),
    redeliver: bind(deps, redeliver),
    queueNotification: bind(deps, queueNotification),
    queueNotifications: bind(deps, queueNotifications),
    // background repairs
    expireDue: bind(deps, expireDue),
    expireIfDue: bind(deps, expireIfDue),
    resolveUnsettled: bind(deps, resolveUnsettled),
    settleLapsedChallenge: bind(deps, settleLapsedChallenge),
    settleLapsedChallenges: bind(deps, settleLapsedChallenges),
    finishTestOutcomes: bind(deps, finishTestOutcomes),
    // request limits shared by all processes
    hitRateLimit: bind(deps, hitRateLimit),
    pruneRateLimits: bind(deps, pruneRateLimits),
    // the merchant cabinet's login sessions
    openSession: bind(deps, openSession),
    resumeSession: bind(deps, resumeSession),
    closeSession: bind(deps, closeSession),
    pruneSessions: bind(deps, pruneSessions),
    // demo data in bulk (kopek demo, the demo merchant's first start)
    seedDemo: bind(deps, seedDemo),
  };
}

export type Engine = ReturnType<typeof createEngine>;
