import type { ImpayOperations } from '../operation.ts';

/** Will hold account/balance, account/operations, account/statements (helper I3). */
export const accountOperations: ImpayOperations = {};
