/**
 * The server of `npm run bench:lifecycle`, in a process of its own so that its RSS is its own:
 * a scratch database, the gateway with its background work running (the outbox worker
 * delivers callbacks), one merchant whose ImPay callbacks go to the benchmark's receiver.
 * Prints `READY {json}` when it listens, and cleans up on SIGTERM or when stdin closes.
 *
 * Environment: LIFE_DB (sqlite | postgres), LIFE_RECEIVER (the callback URL), LIFE_POOL_SIZE,
 * LIFE_TICK_MS (the background interval), BENCH_DATABASE_URL, BENCH_SQLITE_DIR.
 */
import { tmpdir } from 'node:os';
import { type BenchDatabase, openPostgresBench, openSqliteBench, startServer } from './harness.ts';

async function main() {
  const flavor = process.env.LIFE_DB === 'postgres' ? 'postgres' : 'sqlite';
  const receiver = process.env.LIFE_RECEIVER;
  if (!receiver) throw new Error('LIFE_RECEIVER is required');
  const bench: BenchDatabase =
    flavor === 'postgres'
      ? await openPostgresBench(
          process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
          Number(process.env.LIFE_POOL_SIZE ?? 20),
          'kopek_bench_life',
        )
      : await openSqliteBench(process.env.BENCH_SQLITE_DIR ?? tmpdir(), 'kopek-bench-life');
  // trustProxy: each simulated payer comes from an address of its own (X-Forwarded-For), as
  // real payers do, so the pages' per-address limit on card attempts sees one payer each
  const server = await startServer(bench.database, {
    trustProxy: true,
    callbacksAllowPrivate: true,
    workers: true,
  });
  const made = await server.gateway.engine.createMerchant({
    name: 'Lifecycle merchant',
    settings: { impayCallbackUrl: receiver },
  });
  if (!made.ok) throw new Error(`createMerchant: ${JSON.stringify(made.error)}`);
  server.gateway.startBackground(Number(process.env.LIFE_TICK_MS ?? 1000));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await server.app.close();
      await server.gateway.close();
      await bench.drop();
      process.stdout.write(`CLOSED ${JSON.stringify({ logLines: server.logLines() })}\n`);
      process.exit(0);
    })();
    return closing;
  };
  process.on('SIGTERM', close);
  process.stdin.on('end', close);
  process.stdin.resume();
  process.stdout.write(
    `READY ${JSON.stringify({
      url: server.url,
      durability: bench.durability,
      login: made.value.impay.login,
      key: made.value.impay.key,
    })}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
