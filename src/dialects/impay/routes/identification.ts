import type { ImpayOperations } from '../operation.ts';

/** Will hold ident/req, ident/state, benific/reg (helper I3). */
export const identificationOperations: ImpayOperations = {};
