import type { ImpayOperations } from '../operation.ts';

/** Will hold card/reg, card/get, card/info, card/del. */
export const cardsOperations: ImpayOperations = {};
