import type { CardBrand } from '../domain/card.ts';
import type { Currency } from '../domain/currency.ts';
import type { ConnectorOutcome } from './connector.ts';

/**
 * The simulator bank's own books. The bank keeps them apart from the gateway's tables, as a
 * real bank would: the engine may lose track of an operation (a timeout, a crash), the bank
 * does not, and `status` reads from here.
 *
 * Every record is plain JSON (amounts as decimal strings of minor units, times as ISO text),
 * so a database-backed store can keep one row per `key` with the record as a JSON column.
 * No record ever holds a PAN or a CVC: cards appear masked (first six, last four) only.
 */
export interface SimStore {
  /** The record stored under `key`, or undefined if the bank never wrote one. */
  get(key: string): Promise<SimOperation | undefined>;
  /**
   * Inserts or replaces each record under its `key`, all in one write: all of them or none
   * (an authorization and the operation that opened it must never exist one without the
   * other, or a crash between them leaves money captured that `status` cannot find). The
   * simulator serialises its read-then-write per key within one process; two gateway
   * processes driving the same authorization at the same instant could still interleave,
   * which a test bank tolerates.
   */
  put(...ops: SimOperation[]): Promise<void>;
}

export type SimOperation = SimOperationRecord | SimAuthorizationRecord;

export type SimOperationType =
  | 'authorize'
  | 'continue3ds'
  | 'authenticate3ds'
  | 'capture'
  | 'void'
  | 'refund'
  | 'payout';

export type SimCard = { mask: string; brand: CardBrand };

/** What a repeat of an operation id must match to count as the same request. */
export type SimRequest = {
  amountMinor?: string;
  currency?: Currency;
  capture?: boolean;
  /** What a follow-up acts on: the bankRef (capture, void, refund) or the authorize id (3-DS). */
  target?: string;
};

/** A 3-D Secure challenge the bank is waiting on; kept on the authorize record. */
export type SimPendingThreeDs = {
  version: '1' | '2';
  /** MD (v1) or threeDSSessionData (v2): ties the ACS answer to this authorization. */
  md: string;
  /** v2 only: threeDSServerTransID. */
  transId?: string;
  /** After this the challenge can no longer be completed, and `status` declines it. */
  expiresAt: string;
  /** ECI the bank reports once the payer is authenticated. */
  eci: string;
  /**
   * v2 in two phases: the bank waits for the browser data (`authenticate3ds`) before it
   * decides; `frictionless` is what it will decide (the card's behaviour).
   */
  awaitsBrowser?: { frictionless: boolean; returnUrl: string; description: string };
};

/** One request the bank received, keyed `op:<operationId>`; the outcome is what a repeat gets. */
export type SimOperationRecord = {
  key: string;
  record: 'operation';
  operationId: string;
  type: SimOperationType;
  testMode: boolean;
  request: SimRequest;
  card?: SimCard;
  /** Payouts to an account: the account number shortened to its first eight and last four digits. */
  accountMask?: string;
  /** The authorization (or payout) this operation belongs to, once the bank assigned one. */
  bankRef?: string;
  outcome: ConnectorOutcome;
  /** Present while an authorize waits for the payer at the ACS. */
  threeDs?: SimPendingThreeDs;
  /** Remaining facts the bank needs to finish a 3-DS authorization later. */
  pending?: { amountMinor: string; currency: Currency; capture: boolean };
  createdAt: string;
  updatedAt: string;
};

export type SimAuthorizationState = 'held' | 'captured' | 'voided';

/** A follow-up (capture, void, refund) applied to an authorization, in the order applied. */
export type SimAppliedOperation = {
  operationId: string;
  type: 'capture' | 'void' | 'refund';
  amountMinor: string;
  outcome: ConnectorOutcome;
  at: string;
};

/**
 * The money side of one approved authorization, keyed `ref:<bankRef>`. Follow-ups are listed
 * here as well as under their own operation key, so that one write both moves the amounts and
 * records the outcome: a crash between two writes can never apply a capture or refund twice.
 */
export type SimAuthorizationRecord = {
  key: string;
  record: 'authorization';
  bankRef: string;
  /** The authorize operation that created it. */
  operationId: string;
  card: SimCard;
  currency: Currency;
  state: SimAuthorizationState;
  authorizedMinor: string;
  capturedMinor: string;
  refundedMinor: string;
  applied: SimAppliedOperation[];
  createdAt: string;
  updatedAt: string;
};

export const operationKey = (operationId: string): string => `op:${operationId}`;
export const authorizationKey = (bankRef: string): string => `ref:${bankRef}`;

/**
 * Keeps records as JSON text, not as live objects, so that it behaves like a database: a
 * caller mutating what it read changes nothing, and anything not JSON-serialisable fails here
 * in tests rather than later in the database-backed store.
 */
export class MemorySimStore implements SimStore {
  readonly #rows = new Map<string, string>();

  async get(key: string): Promise<SimOperation | undefined> {
    const text = this.#rows.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as SimOperation);
  }

  async put(...ops: SimOperation[]): Promise<void> {
    for (const op of ops) this.#rows.set(op.key, JSON.stringify(op));
  }

  /** Everything stored, as one JSON text: what tests search for card data that must not be there. */
  dump(): string {
    return `[${[...this.#rows.values()].join(',')}]`;
  }

  get size(): number {
    return this.#rows.size;
  }
}
