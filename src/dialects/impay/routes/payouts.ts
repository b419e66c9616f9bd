import type { ImpayOperations } from '../operation.ts';

/** Will hold out/paycard, out/payul, out/payacc, out/ndfl, out/state (helper I3). */
export const payoutsOperations: ImpayOperations = {};
