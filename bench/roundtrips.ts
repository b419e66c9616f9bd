/**
 * Round trips to PostgreSQL per step of a payment's life: `npm run bench:roundtrips`. See
 * bench/README.md. Unlike a rate, a count does not depend on the machine's load, so it is the
 * figure to compare before and after a change of the hot paths.
 *
 * Every statement a `pg` client sends (BEGIN and COMMIT included) is counted, through Fastify's
 * `inject` (no sockets): a create through each dialect, then one payment's life: ImPay
 * `hold/create`, the payer's `GET /pay/<id>` and card `POST`, ImPay `hold/confirm`, and the
 * outbox worker delivering what that made. `ROUNDTRIPS_VERBOSE=1` lists the statements.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { openPostgresBench, postgresReachable, startServer } from './harness.ts';

type Counted = Map<string, number>;
let counting: Counted | null = null;

// every statement of every pooled client, counted by its text
const clientProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const sendQuery = clientProto.query;
clientProto.query = function (this: unknown, ...args: unknown[]) {
  const config = args[0] as string | { text?: string };
  const text = (typeof config === 'string' ? config : (config.text ?? '')).replace(/\s+/g, ' ');
  if (counting) counting.set(text, (counting.get(text) ?? 0) + 1);
  return sendQuery.apply(this, args);
};

const sha1hex = (text: string) => createHash('sha1').update(text).digest('hex');

async function main() {
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const unreachable = await postgresReachable(url);
  if (unreachable) throw new Error(`PostgreSQL not reachable: ${unreachable}`);
  const bench = await openPostgresBench(url, 10, 'kopek_bench_rt');
  const server = await startServer(bench.database, { trustProxy: true, callbacksAllowPrivate: true });
  const { app, gateway } = server;
  const steps: [string, Counted][] = [];
  const step = async (name: string, work: () => Promise<void>) => {
    counting = new Map();
    await work();
    steps.push([name, counting]);
    counting = null;
  };
  const expect = (ok: boolean, what: string) => {
    if (!ok) throw new Error(what);
  };
  try {
    const made = await gateway.engine.createMerchant({
      name: 'Round trips',
      // a receiver that is never reached: the worker's attempt fails, and is logged as one
      settings: { impayCallbackUrl: 'http://127.0.0.1:9/callback' },
    });
    if (!made.ok) throw new Error('createMerchant failed');
    const { paymega, impay, paykeeper } = made.value;
    const basic = (login: string, password: string) =>
      `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
    const impayPost = async (path: string, payload: unknown) => {
      const body = JSON.stringify(payload);
      const res = await app.inject({
        method: 'POST',
        url: `/v1/${path}`,
        headers: {
          'content-type': 'application/json',
          'x-login': impay.login,
          'x-token': sha1hex(sha1hex(impay.key) + sha1hex(body)),
        },
        payload: body,
      });
      const answer = res.json() as { status: number; id?: number; url?: string };
      expect(answer.status === 1, `${path}: ${res.body}`);
      return answer;
    };
    const pkAuth = basic(paykeeper.login, paykeeper.password);
    const token = (
      await app.inject({ method: 'GET', url: '/info/settings/token/', headers: { authorization: pkAuth } })
    ).json().token as string;

    await step('Paymega POST /api/payment-invoices', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/payment-invoices',
        headers: {
          authorization: basic(paymega.account_id, paymega.secret_key),
          'content-type': 'application/vnd.api+json',
        },
        payload: JSON.stringify({
          data: {
            type: 'payment-invoices',
            attributes: {
              reference_id: 'rt-1',
              amount: 10,
              currency: 'USD',
              service: 'payment_card_usd_hpp',
            },
          },
        }),
      });
      expect(res.statusCode === 201, `Paymega create: ${res.statusCode}`);
    });
    await step('ImPay POST /v1/pay/lk', async () => {
      await impayPost('pay/lk', { amount: 10, extid: 'rt-2' });
    });
    await step('PayKeeper POST /change/invoice/preview/', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/change/invoice/preview/',
        headers: { authorization: pkAuth, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `pay_amount=10.00&orderid=rt-3&token=${encodeURIComponent(token)}`,
      });
      expect(
        typeof res.json().invoice_id === 'string' || typeof res.json().invoice_id === 'number',
        res.body,
      );
    });
    // the worker's rows of the creates above are delivered first, outside the count
    while ((await gateway.worker.runOnce()) > 0);

    let hold: { id?: number; url?: string } = {};
    let publicId = '';
    let csrf = '';
    let cookie = '';
    const payer = { 'x-forwarded-for': '10.1.2.3' };
    await step('ImPay hold/create', async () => {
      hold = await impayPost('hold/create', { amount: 10, extid: 'rt-4' });
      publicId = String(hold.url).split('/pay/')[1] ?? '';
    });
    await step('GET /pay/<id>', async () => {
      const res = await app.inject({ method: 'GET', url: `/pay/${publicId}`, headers: payer });
      csrf = /name="csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? '';
      cookie = String(res.headers['set-cookie']).split(';')[0] ?? '';
      expect(res.statusCode === 200 && csrf !== '', `GET /pay: ${res.statusCode}`);
    });
    await step('POST /pay/<id> (card)', async () => {
      const res = await app.inject({
        method: 'POST',
        url: `/pay/${publicId}`,
        headers: { ...payer, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          csrf,
          pan: '4111111111111111',
          exp: '12/34',
          cvc: '123',
          holder: 'A B',
        }).toString(),
      });
      expect(res.statusCode === 303, `POST /pay: ${res.statusCode}`);
    });
    await step('ImPay hold/confirm (capture)', async () => {
      await impayPost('hold/confirm', { id: hold.id });
    });
    await step('worker: callbacks of the hold and the capture', async () => {
      expect((await gateway.worker.runOnce()) === 2, 'two callbacks due');
    });

    const verbose = process.env.ROUNDTRIPS_VERBOSE === '1';
    let life = 0;
    console.log(`PostgreSQL round trips per step (${bench.durability})`);
    for (const [name, counted] of steps) {
      const total = [...counted.values()].reduce((a, b) => a + b, 0);
      if (!name.includes('POST /api') && !name.includes('pay/lk') && !name.includes('preview')) life += total;
      const commits = counted.get('commit') ?? 0;
      console.log(`${String(total).padStart(4)}  ${name} (${commits} commit${commits === 1 ? '' : 's'})`);
      if (verbose) for (const [text, n] of counted) console.log(`        ${n}× ${text.slice(0, 120)}`);
    }
    console.log(`${String(life).padStart(4)}  one payment's life, hold/create to both callbacks`);
    console.log(
      `BENCH_ROUNDTRIPS_JSON ${JSON.stringify(Object.fromEntries(steps.map(([n, c]) => [n, [...c.values()].reduce((a, b) => a + b, 0)])))}`,
    );
  } finally {
    await app.close();
    await gateway.close();
    await bench.drop();
  }
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref());
