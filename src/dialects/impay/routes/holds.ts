import type { ImpayOperations } from '../operation.ts';

/** Will hold hold/create, hold/confirm, hold/cancel. */
export const holdsOperations: ImpayOperations = {};
