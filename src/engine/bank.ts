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
