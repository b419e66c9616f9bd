import type { CardData } from '../domain/card-data.ts';
import type { Currency } from '../domain/currency.ts';
import type { Secret } from '../security/secret.ts';

/**
 * What the engine asks of a bank. A connector only talks to its bank; the engine owns the
 * records and the rules. One input object in, one outcome out. `connectorData` is opaque to
 * the engine: it is stored with the payment and handed back on the next call.
 */
export type ConnectorData = Record<string, string | number | boolean | null>;

export type DeclineReason =
  | 'do_not_honor'
  | 'insufficient_funds'
  | 'expired_card'
  | 'lost_card'
  | 'stolen_card'
  | 'invalid_card'
  | 'processing_error'
  | 'authentication_failed'
  | 'not_permitted';

/** The bank's own record of an approved operation, shown to merchants. */
export type BankReceipt = { bankRef: string; rc: string; rrn: string; approvalCode: string; eci?: string };

export type ThreeDsChallenge =
  | {
      version: '1';
      /** The payer's browser POSTs `form` (PaReq, MD, TermUrl) to `acsUrl`. */
      acsUrl: string;
      form: { PaReq: string; MD: string; TermUrl: string };
      /** ISO time after which the ACS no longer takes an answer. Absent in challenges stored before it existed. */
      expiresAt?: string;
    }
  | {
      version: '2';
      /** The payer's browser POSTs `form` (creq, threeDSSessionData) to `acsUrl`. */
      acsUrl: string;
      form: { creq: string; threeDSSessionData: string };
      threeDsServerTransId: string;
      /**
       * The ACS's 3DS Method URL, when it has one: before the challenge the payer's browser
       * POSTs `threeDSMethodData` there in a hidden iframe, and the ACS answers the 3DS
       * Method notification URL. Absent in challenges stored before it existed.
       */
      methodUrl?: string;
      /** ISO time after which the ACS no longer takes an answer. Absent in challenges stored before it existed. */
      expiresAt?: string;
      /** `method`: 3-D Secure v2 in two phases, still before `authenticate3ds` (see awaitsBrowserData). */
      stage?: 'method';
    };

/**
 * A v2 challenge that waits for the payer's browser data (`AuthorizeInput.threeDsMethodFirst`):
 * the bank decides between frictionless and a challenge only in `authenticate3ds`, so its form
 * has no CReq yet (`creq` is empty) and nobody can be sent to the ACS.
 */
export const awaitsBrowserData = (c: ThreeDsChallenge | null): boolean =>
  c?.version === '2' && c.stage === 'method';

export type ConnectorOutcome =
  | ({ kind: 'approved'; connectorData: ConnectorData } & BankReceipt)
  | {
      kind: 'declined';
      reason: DeclineReason;
      rc: string;
      message: string;
      connectorData: ConnectorData;
      /**
       * A 3-D Secure continuation only (continue3ds, or status asked about one): the bank
       * refused this answer (forged, damaged, or from another challenge), or never received
       * it, but did not decline the authorization. The challenge is still open and the payer's
       * genuine answer may still come: the attempt goes on.
       */
      challengeOpen?: boolean;
    }
  | { kind: 'challenge'; challenge: ThreeDsChallenge; connectorData: ConnectorData }
  /** The bank did not answer in time, or answered that it is still working: ask `status` later. */
  | { kind: 'unknown'; connectorData: ConnectorData };

export type OperationBase = {
  /** Our id of this bank operation; the bank treats a repeat of it as the same operation. */
  operationId: string;
  testMode: boolean;
  signal: AbortSignal;
};

export type AuthorizeInput = OperationBase & {
  amountMinor: bigint;
  currency: Currency;
  /** true: charge at once; false: place a hold for a later capture. */
  capture: boolean;
  card: Secret<CardData>;
  /**
   * `payer` (default): the cardholder is present and may be asked for 3-D Secure. `merchant`:
   * a merchant-initiated charge of a card kept by an earlier, authenticated payment (autopay):
   * no CVC, no payer to challenge; the bank still declines what it would decline.
   */
  initiator?: 'payer' | 'merchant';
  /** Where the ACS sends the payer back (3-DS v1 TermUrl, v2 notification URL). */
  threeDsReturnUrl: string;
  description?: string;
  /** The payment's deadline: a 3-D Secure challenge never stays open past it. */
  expiresAt?: Date;
  /**
   * 3-D Secure v2 in two phases, as a PCI DSS merchant's back end drives it: a v2 card stops at
   * the 3DS Method (a `challenge` with `stage: 'method'`) until `authenticate3ds` brings the
   * payer's browser data. Without it the bank decides at once (the hosted page's way).
   */
  threeDsMethodFirst?: boolean;
};

/** The payer's browser, as EMV 3DS asks for it (IP, Accept, language, screen, time zone, …). */
export type BrowserData = Readonly<Record<string, string | number | boolean | null>>;

/**
 * The second phase of 3-D Secure v2: the bank authenticates with the browser data. Frictionless
 * means authenticated without the payer: the bank authorizes at once (`approved`, with `eci`,
 * and the DS transaction id and authentication value in `connectorData`: `dsTransId`,
 * `authenticationValue`); otherwise a `challenge` with its CReq, or `declined`.
 */
export type AuthenticateInput = OperationBase & { connectorData: ConnectorData; browser: BrowserData };

export type ThreeDsResult =
  | { version: '1'; paRes: string; md: string }
  | { version: '2'; cres: string; threeDSSessionData?: string };

export type ContinueInput = OperationBase & { connectorData: ConnectorData; result: ThreeDsResult };

export type CaptureInput = OperationBase & {
  connectorData: ConnectorData;
  amountMinor: bigint;
  currency: Currency;
};
export type VoidInput = OperationBase & { connectorData: ConnectorData };
export type RefundInput = OperationBase & {
  connectorData: ConnectorData;
  amountMinor: bigint;
  currency: Currency;
};

export type PayoutDestination =
  | { kind: 'card'; card: Secret<CardData> }
  /** A card known by its number only: banks' card-to-card credits need no expiry or CVC. */
  | { kind: 'card_number'; pan: Secret<string> }
  | AccountDestination;

/** A transfer to a bank account; `tax` holds a Treasury payment order's fields 101–110. */
export type AccountDestination = {
  kind: 'account';
  account: string;
  bic: string;
  name: string;
  inn?: string;
  kpp?: string;
  purpose?: string;
  payee?: 'company' | 'person';
  tax?: Record<string, string>;
};

export type PayoutInput = OperationBase & {
  amountMinor: bigint;
  currency: Currency;
  destination: PayoutDestination;
};

export type StatusInput = OperationBase & { connectorData: ConnectorData };

/** A person to identify (KYC): names and document numbers as the merchant sent them. */
export type IdentityPerson = { lastName: string; firstName: string; [field: string]: string | null };

export type IdentifyInput = { operationId: string; testMode: boolean; person: Secret<IdentityPerson> };

/** The registries' verdict on a person, with the provider's response code. */
export type IdentityVerdict = { verified: boolean; rc: string };

export interface Connector {
  readonly name: string;
  /** Checks a person against the registries (passport, INN); a bank without it identifies no one. */
  identify?(input: IdentifyInput): Promise<IdentityVerdict>;
  authorize(input: AuthorizeInput): Promise<ConnectorOutcome>;
  /** Completes 3-D Secure with what the ACS sent back; verifies it before authorizing. */
  continue3ds(input: ContinueInput): Promise<ConnectorOutcome>;
  /** 3-D Secure v2's second phase, after `authorize` stopped at the 3DS Method. */
  authenticate3ds(input: AuthenticateInput): Promise<ConnectorOutcome>;
  capture(input: CaptureInput): Promise<ConnectorOutcome>;
  void(input: VoidInput): Promise<ConnectorOutcome>;
  refund(input: RefundInput): Promise<ConnectorOutcome>;
  payout(input: PayoutInput): Promise<ConnectorOutcome>;
  /** Where an earlier operation ended up; `unknown` while the bank still works on it. */
  status(input: StatusInput): Promise<ConnectorOutcome>;
}
