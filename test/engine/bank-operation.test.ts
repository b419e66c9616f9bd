import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { ConnectorOutcome } from '../../src/acquiring/connector.ts';
import { answer, bankOperation, proceed } from '../../src/engine/bank.ts';
import type { EngineDeps } from '../../src/engine/context.ts';

/** The one shape of a bank operation (engine/bank.ts), apart from any database or bank. */
const deps = (connectorTimeoutMs = 1000) =>
  ({ config: { connectorTimeoutMs }, log: pino({ level: 'silent' }) }) as unknown as EngineDeps;

const approved: ConnectorOutcome = {
  kind: 'approved',
  rc: '00',
  rrn: '1',
  approvalCode: 'A1',
  bankRef: 'b1',
  connectorData: {},
};

describe('bankOperation', () => {
  it('claims, then calls the bank with the claim, then applies its answer, in that order', async () => {
    const steps: string[] = [];
    const result = await bankOperation(deps(), {
      what: 'test',
      claim: async () => {
        steps.push('claim');
        return proceed(7);
      },
      call: async (claimed) => {
        steps.push(`call ${claimed}`);
        return approved;
      },
      apply: async (claimed, outcome) => {
        steps.push(`apply ${claimed} ${outcome.kind}`);
        return 'done';
      },
    });
    assert.equal(result, 'done');
    assert.deepEqual(steps, ['claim', 'call 7', 'apply 7 approved']);
  });

  it('answers without the bank when the claim says so', async () => {
    let called = false;
    const result = await bankOperation<number, string>(deps(), {
      what: 'test',
      claim: async () => answer('refused'),
      call: async () => {
        called = true;
        return approved;
      },
      apply: async () => 'applied',
    });
    assert.equal(result, 'refused');
    assert.equal(called, false);
  });

  it('applies `unknown` when the bank call throws or outlives its deadline, never a decline', async () => {
    const thrown = await bankOperation(deps(), {
      what: 'test',
      claim: async () => proceed(1),
      call: async () => {
        throw new Error('connection reset');
      },
      apply: async (_, outcome) => outcome.kind,
    });
    assert.equal(thrown, 'unknown');
    let aborted = false;
    const late = await bankOperation(deps(20), {
      what: (claimed: number) => `test ${claimed}`,
      claim: async () => proceed(2),
      // a bank that never answers
      call: (_, signal) =>
        new Promise<ConnectorOutcome>(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
      apply: async (_, outcome) => outcome.kind,
    });
    assert.equal(late, 'unknown');
    assert.equal(aborted, true, 'the late call is told to stop');
  });
});
