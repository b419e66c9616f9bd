/**
 * Every bound in one place: loops, batches, retries, bodies, pages and strings stop at a
 * known size, and that size is also the boundary a test probes.
 */
export const limits = {
  /** Largest amount of one payment, in minor units (10^13 major units of a 2-decimal currency). */
  amountMinorMax: 10n ** 15n,
  /** Longest decimal string we will even try to parse as money. */
  amountTextLengthMax: 32,
  externalIdLengthMax: 64,
  descriptionLengthMax: 1024,
  urlLengthMax: 2048,
  metadataBytesMax: 16 << 10,
  bodyBytesMax: 256 << 10,
  pageSizeMax: 1000,
  outboxBatchMax: 100,
  deliveryAttemptsMax: 100,
  deliveryResponseBodyStoredMax: 2048,
  connectorTimeoutMs: 10_000,
  /** How many card attempts a payer gets on one payment before it fails. */
  paymentAttemptsMax: 3,
  /** A payment left unpaid this long expires, unless the merchant says otherwise. */
  paymentTtlMs: 24 * 60 * 60 * 1000,
  /** Retries of a transaction that lost a serialization race or met a busy database. */
  txRetriesMax: 8,
  /**
   * Longest wait before the janitor asks a bank again about an operation it still could not
   * settle; the wait grows with the operation's age up to this.
   */
  recheckDelayMsMax: 60 * 60 * 1000,
  /** SQLite group commit: use cases sharing one durable commit at most (store/group-commit.ts). */
  groupCommitUseCasesMax: 128,
} as const;
