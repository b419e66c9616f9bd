/**
 * The outbox channel of the informer (the merchant's payment notification). P3's informer
 * writes its rows there; the payment routes read a payment's notification state from them.
 */
export const informerChannel = 'callback.paykeeper';
