import type { Connector, ConnectorOutcome } from '../acquiring/connector.ts';
import type { EngineDeps } from './context.ts';

export function connectorFor(deps: EngineDeps, name: string | null): Connector {
  const connector = deps.connectors.get(name ?? deps.defaultConnector);
  if (!connector) throw new Error(`connector ${name} is not configured`);
  return connector;
}

/**
 * Calls the bank with a deadline. No database transaction is open meanwhile. A timeout or
 * a thrown error is `unknown`, never `declined`: the bank may well have acted, and only a
 * later status query can say.
 */
export async function callBank(
  deps: EngineDeps,
  what: string,
  call: (signal: AbortSignal) => Promise<ConnectorOutcome>,
): Promise<ConnectorOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ConnectorOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('connector timeout'));
      resolve({ kind: 'unknown', connectorData: {} });
    }, deps.config.connectorTimeoutMs);
  });
  try {
    return await Promise.race([call(controller.signal), deadline]);
  } catch (error) {
    deps.log.warn(
      { what, err: error instanceof Error ? error.message : String(error) },
      'bank call failed; outcome unknown',
    );
    return { kind: 'unknown', connectorData: {} };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** What a claim decided: go to the bank with `claimed`, or answer now without it. */
export type Claim<C, R> = { go: C } | { answer: R };
export const proceed = <C>(claimed: C): { go: C } => ({ go: claimed });
export const answer = <R>(result: R): { answer: R } => ({ answer: result });

/**
 * The one shape of every bank operation: claim it in a transaction (the claim commits, so a
 * racing request sees it and a crash leaves a marker the janitor resolves), call the bank with
 * no transaction open, apply the answer in a transaction of its own. `claim` may answer at
 * once (refused, or a repeat of an operation made already); `apply` gets every outcome,
 * `unknown` included, and decides what it means.
 */
export async function bankOperation<C, R>(
  deps: EngineDeps,
  op: {
    what: string | ((claimed: C) => string);
    claim: () => Promise<Claim<C, R>>;
    call: (claimed: C, signal: AbortSignal) => Promise<ConnectorOutcome>;
    apply: (claimed: C, outcome: ConnectorOutcome) => Promise<R>;
  },
): Promise<R> {
  const claimed = await op.claim();
  if ('answer' in claimed) return claimed.answer;
  const what = typeof op.what === 'string' ? op.what : op.what(claimed.go);
  return bankExchange(deps, what, claimed.go, op);
}

/**
 * The second half of bankOperation, for an operation claimed earlier: the janitor asking about
 * (or re-sending) one whose answer never came, a hold's release claimed by its deadline.
 */
export async function bankExchange<C, R>(
  deps: EngineDeps,
  what: string,
  claimed: C,
  op: {
    call: (claimed: C, signal: AbortSignal) => Promise<ConnectorOutcome>;
    apply: (claimed: C, outcome: ConnectorOutcome) => Promise<R>;
  },
): Promise<R> {
  const outcome = await callBank(deps, what, (signal) => op.call(claimed, signal));
  return op.apply(claimed, outcome);
}
