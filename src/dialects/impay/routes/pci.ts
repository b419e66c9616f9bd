import type { ImpayOperations } from '../operation.ts';

/** Will hold pay/start, pay/auth, pay/confirm (helper I2). */
export const pciOperations: ImpayOperations = {};
