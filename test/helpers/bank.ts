import { authorizationKey } from '../../src/acquiring/sim-store.ts';
import type { SimulatorBank } from '../../src/acquiring/simulator.ts';
import { DatabaseSimStore } from '../../src/store/sim-bank-store.ts';
import type { TestGateway } from './gateway.ts';

type BankCall =
  | 'authorize'
  | 'continue3ds'
  | 'authenticate3ds'
  | 'capture'
  | 'void'
  | 'refund'
  | 'payout'
  | 'status';

/**
 * Puts `fake` in front of one of the simulator's calls, as the network between the engine and
 * the bank would: `fake` gets the real call and decides whether it reaches the bank and whether
 * its answer comes back. Returns the function that takes the fake away.
 */
export function intercept<K extends BankCall>(
  gw: TestGateway,
  call: K,
  fake: (real: SimulatorBank[K], ...args: Parameters<SimulatorBank[K]>) => ReturnType<SimulatorBank[K]>,
): () => void {
  const sim = gw.simulator;
  const real = sim[call].bind(sim) as SimulatorBank[K];
  const faked = (...args: Parameters<SimulatorBank[K]>) => fake(real, ...args);
  sim[call] = faked as SimulatorBank[K];
  return () => {
    Reflect.deleteProperty(sim, call);
  };
}

/** The call never reaches the bank: the engine sees a network error, i.e. an unknown outcome. */
export const unreachable = async (): Promise<never> => {
  throw new Error('connect ECONNREFUSED (test)');
};

/** The bank does the operation, but its answer is lost on the way back. */
export const answerLost = async <I>(real: (input: I) => Promise<unknown>, input: I): Promise<never> => {
  await real(input);
  throw new Error('socket hang up (test)');
};

/**
 * What the simulator's own books say of a payment's authorization: `held` while the
 * payer's money is held at the issuer, `voided` once released, `captured` once taken.
 */
export async function heldAtTheBank(gw: TestGateway, paymentId: bigint): Promise<string> {
  const p = await gw.engine.getPayment({ id: paymentId });
  const bankRef = (p?.connectorData as { bankRef?: string } | null)?.bankRef;
  if (!bankRef) throw new Error(`payment ${paymentId} has no authorization at the bank`);
  const auth = await new DatabaseSimStore(gw.database).get(authorizationKey(bankRef));
  if (auth?.record !== 'authorization') throw new Error(`the bank does not know ${bankRef}`);
  return auth.state;
}
