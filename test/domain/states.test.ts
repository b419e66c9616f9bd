import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cardMachine,
  cardStates,
  invoiceMachine,
  invoiceStates,
  isFinal,
  payableStates,
  paymentMachine,
  paymentStates,
  payoutMachine,
  payoutStates,
  refundableStates,
  refundMachine,
  refundStates,
  transition,
} from '../../src/domain/states.ts';

type Machine = { readonly [state: string]: readonly string[] };

/**
 * Each machine with its allowed moves written out by hand, `from>to`. A change to a table in
 * src/domain/states.ts must be repeated here, on purpose.
 */
const machines: {
  name: string;
  machine: Machine;
  states: readonly string[];
  allowed: string[];
  final: string[];
}[] = [
  {
    name: 'payment',
    machine: paymentMachine,
    states: paymentStates,
    allowed: [
      'created>pending',
      'created>failed',
      'created>canceled',
      'created>expired',
      'pending>created',
      'pending>unknown',
      'pending>authorized',
      'pending>captured',
      'pending>failed',
      'pending>canceled',
      'pending>expired',
      'unknown>created',
      'unknown>pending',
      'unknown>authorized',
      'unknown>captured',
      'unknown>failed',
      'authorized>captured',
      'authorized>canceled',
      'authorized>expired',
      'captured>partially_refunded',
      'captured>refunded',
      'partially_refunded>refunded',
    ],
    final: ['refunded', 'failed', 'canceled', 'expired'],
  },
  {
    name: 'refund',
    machine: refundMachine,
    states: refundStates,
    allowed: [
      'pending>unknown',
      'pending>succeeded',
      'pending>failed',
      'unknown>succeeded',
      'unknown>failed',
    ],
    final: ['succeeded', 'failed'],
  },
  {
    name: 'payout',
    machine: payoutMachine,
    states: payoutStates,
    allowed: [
      'pending>unknown',
      'pending>succeeded',
      'pending>failed',
      'unknown>succeeded',
      'unknown>failed',
    ],
    final: ['succeeded', 'failed'],
  },
  {
    name: 'card',
    machine: cardMachine,
    states: cardStates,
    allowed: [
      'created>pending',
      'created>active',
      'created>failed',
      'created>expired',
      'created>deleted',
      'pending>created',
      'pending>active',
      'pending>failed',
      'pending>expired',
      'active>deleted',
    ],
    final: ['failed', 'expired', 'deleted'],
  },
  {
    name: 'invoice',
    machine: invoiceMachine,
    states: invoiceStates,
    allowed: [
      'created>sent',
      'created>paid',
      'created>expired',
      'created>canceled',
      'sent>sent',
      'sent>paid',
      'sent>expired',
      'sent>canceled',
    ],
    final: ['paid', 'expired', 'canceled'],
  },
];

for (const { name, machine, states, allowed, final } of machines) {
  describe(`${name} machine`, () => {
    it('has a row for exactly its states, each naming only known states without repeats', () => {
      assert.deepEqual(Object.keys(machine).sort(), [...states].sort());
      assert.equal(new Set(states).size, states.length);
      for (const from of states) {
        const targets = machine[from]!;
        assert.equal(new Set(targets).size, targets.length, `${from} lists a target twice`);
        for (const to of targets) assert.ok(states.includes(to), `${from}>${to} names an unknown state`);
      }
    });

    it('allows exactly the transitions listed by hand', () => {
      const actual = states.flatMap((from) => machine[from]!.map((to) => `${from}>${to}`));
      assert.deepEqual([...actual].sort(), [...allowed].sort());
    });

    it('transition() is ok exactly for the pairs in the table, for every (from, to)', () => {
      let checked = 0;
      for (const from of states) {
        for (const to of states) {
          const result = transition(machine, from, to);
          const expected = allowed.includes(`${from}>${to}`);
          assert.equal(machine[from]!.includes(to), expected, `${from}>${to} in table`);
          if (expected) assert.deepEqual(result, { ok: true, value: { from, to } }, `${from}>${to}`);
          else
            assert.deepEqual(
              result,
              { ok: false, error: { code: 'illegal_transition', from, to } },
              `${from}>${to} should be illegal`,
            );
          checked++;
        }
      }
      assert.equal(checked, states.length ** 2);
    });

    it('gives final states no exits, and isFinal agrees', () => {
      for (const state of states) {
        const isListedFinal = final.includes(state);
        assert.equal(isFinal(machine, state), isListedFinal, state);
        assert.equal(machine[state]!.length === 0, isListedFinal, state);
        if (isListedFinal) {
          for (const to of states) assert.equal(transition(machine, state, to).ok, false, `${state}>${to}`);
        }
      }
    });

    it('can reach a final state from every state', () => {
      for (const start of states) {
        const seen = new Set([start]);
        const queue = [start];
        while (queue.length > 0) {
          const s = queue.shift()!;
          for (const to of machine[s]!) {
            if (!seen.has(to)) {
              seen.add(to);
              queue.push(to);
            }
          }
        }
        assert.ok(
          [...seen].some((s) => final.includes(s)),
          `${start} cannot reach a final state`,
        );
      }
    });
  });
}

describe('payment state groups', () => {
  it('refunds only from captured or partially refunded', () => {
    assert.deepEqual([...refundableStates].sort(), ['captured', 'partially_refunded']);
    for (const s of refundableStates) assert.ok(!isFinal(paymentMachine, s));
  });

  it('lets the payer pay only while created', () => {
    assert.deepEqual([...payableStates], ['created']);
    assert.equal(transition(paymentMachine, 'created', 'pending').ok, true);
  });
});
