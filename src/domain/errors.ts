/**
 * The one catalogue of engine failures. Each dialect maps every code to its own wire error in
 * one exhaustive table (`satisfies Record<EngineErrorCode, …>`), so a new code here is a
 * compile error there, never a 500.
 */
export const engineErrors = [
  // input
  'invalid_amount',
  'invalid_currency',
  'invalid_card',
  'invalid_argument',
  // lookup
  'merchant_not_found',
  'merchant_disabled',
  'payment_not_found',
  'refund_not_found',
  'payout_not_found',
  'card_not_found',
  'invoice_not_found',
  'service_not_found',
  'user_not_found',
  // idempotency
  'exists_with_different_amount',
  'exists_with_different_currency',
  'exists_with_different_request',
  // state
  'illegal_transition',
  'payment_expired',
  'attempts_exhausted',
  'capture_exceeds_authorized',
  'refund_exceeds_captured',
  /** The user who asked has made all the refunds a day allows. */
  'refund_limit_reached',
  'insufficient_balance',
  'currency_mismatch',
  // bank
  'declined',
  'connector_unavailable',
] as const;

export type EngineErrorCode = (typeof engineErrors)[number];

export type EngineError = {
  code: EngineErrorCode;
  /** Which input field is at fault, in engine vocabulary; a dialect renames it. */
  field?: string;
  /** Human-readable detail for logs and developer-facing messages (never card data). */
  detail?: string;
};

export const engineError = (code: EngineErrorCode, more: Omit<EngineError, 'code'> = {}): EngineError => ({
  code,
  ...more,
});
