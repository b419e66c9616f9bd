import type { Expiry } from './card.ts';

/** Full card data as typed by the payer. Lives only inside a `Secret` and only in memory. */
export type CardData = { pan: string; expiry: Expiry; cvc?: string; holder: string };
