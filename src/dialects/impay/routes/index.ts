import type { ImpayOperations } from '../operation.ts';
import { accountOperations } from './account.ts';
import { cardsOperations } from './cards.ts';
import { holdsOperations } from './holds.ts';
import { identificationOperations } from './identification.ts';
import { paymentsOperations } from './payments.ts';
import { payoutsOperations } from './payouts.ts';
import { pciOperations } from './pci.ts';

/** `/check`: the credentials work (the plugin has checked them); nothing else to say. */
const connectivity: ImpayOperations = {
  check: async () => ({ status: 1, message: '' }),
};

/** Every operation the dialect answers, by path; a path missing here is a 404. */
export const impayOperations: ImpayOperations = {
  ...connectivity,
  ...cardsOperations,
  ...paymentsOperations,
  ...holdsOperations,
  ...pciOperations,
  ...payoutsOperations,
  ...identificationOperations,
  ...accountOperations,
};
