import type { ImpayOperations } from '../operation.ts';

/** Will hold pay/lk, pay/auto, pay/state. */
export const paymentsOperations: ImpayOperations = {};
