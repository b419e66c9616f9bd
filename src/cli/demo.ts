import type { ParseArgsConfig } from 'node:util';
import { loadSettings } from '../config.ts';
import { createLogger } from '../log.ts';

/**
 * `kopek demo`: fills a merchant's registry with realistic demo data in bulk (engine/demo):
 * payments over months, refunds, invoices, the ledger and the statistics that go with them.
 * A progress bar on a terminal, a line every tenth otherwise.
 */

type Values = Record<string, string | boolean | undefined>;

const help = `Usage: kopek demo --payments N [--merchant ID] [--months M] [--seed S] [--json] [--database D]

Writes N demo payments of the merchant over the last M months (default 6): card and test
services in roubles and other currencies, paid, declined, expired, cancelled, two-stage holds,
full and partial refunds, invoices; with their ledger entries, daily statistics and the
simulator bank's records of the newest ones, so the cabinet's charts and registry come alive
and a demo payment can be refunded. Written in bulk (thousands of rows a statement), not
through the API. Without --merchant: the first merchant (the demo merchant of a new database,
made here if there is none).

      --payments N   how many payments (required)
      --merchant ID  the merchant's id
      --months M     how many months back (1-120, default 6)
      --seed S       the same seed gives the same payments
      --json         print one JSON object on stdout
  -d, --database D   SQLite file path or postgres:// URL (env DATABASE_URL; default ./data/kopek.db)`;

const options: NonNullable<ParseArgsConfig['options']> = {
  database: { type: 'string', short: 'd' },
  payments: { type: 'string' },
  merchant: { type: 'string' },
  months: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
};

const count = (text: string | boolean | undefined): number | null =>
  typeof text === 'string' && /^[0-9]{1,12}$/.test(text.replace(/_/g, ''))
    ? Number(text.replace(/_/g, ''))
    : null;

/** A bar on a terminal (redrawn in place), plain lines at each tenth elsewhere. */
function progress(stream: NodeJS.WriteStream) {
  const started = performance.now();
  let lastTenth = -1;
  return (done: number, total: number) => {
    const share = done / total;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(share * width);
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${done}/${total} ${seconds} s`,
      );
      if (done === total) stream.write('\n');
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    stream.write(`demo: ${done}/${total} payments (${tenth * 10}%) ${seconds} s\n`);
  };
}

export const demoCommand = {
  name: 'demo',
  summary: 'fill a merchant with realistic demo payments, refunds and invoices, in bulk',
  help,
  options,
  async run(values: Values): Promise<number> {
    const payments = count(values.payments);
    if (payments === null || payments < 1) {
      console.error(`kopek demo: --payments takes a positive number\n\n${help}`);
      return 2;
    }
    const months = values.months === undefined ? 6 : count(values.months);
    if (months === null || months < 1 || months > 120) {
      console.error('kopek demo: --months takes 1 to 120');
      return 2;
    }
    const seed = values.seed === undefined ? undefined : count(values.seed);
    if (seed === null) {
      console.error('kopek demo: --seed takes a number');
      return 2;
    }
    const merchantText = values.merchant;
    if (
      merchantText !== undefined &&
      (typeof merchantText !== 'string' || !/^[0-9]{1,18}$/.test(merchantText))
    ) {
      console.error('kopek demo: --merchant takes a merchant id');
      return 2;
    }
    const settings = loadSettings(typeof values.database === 'string' ? { database: values.database } : {});
    const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
    const { startUp, demoMerchant } = await import('./start-up.ts');
    const { gateway } = await startUp(settings, log, demoMerchant(settings.dataDir));
    try {
      const merchants = await gateway.engine.listMerchants();
      const merchantId =
        merchantText !== undefined
          ? BigInt(merchantText)
          : merchants.map((m) => m.id).sort((a, b) => (a < b ? -1 : 1))[0];
      if (merchantId === undefined) {
        console.error('kopek demo: no merchant; create one with kopek merchant create');
        return 1;
      }
      const seeded = await gateway.engine.seedDemo({
        merchantId,
        payments,
        months,
        ...(seed !== undefined && { seed }),
        onProgress: progress(process.stderr),
      });
      if (!seeded.ok) {
        const e = seeded.error;
        console.error(`kopek demo: ${e.code}${e.detail ? ` (${e.detail})` : ''}`);
        return 1;
      }
      const r = seeded.value;
      if (values.json)
        process.stdout.write(`${JSON.stringify({ merchantId: merchantId.toString(), ...r })}\n`);
      else
        console.log(
          `demo data for merchant ${merchantId} on ${gateway.database.label}: ${r.payments} payments, ${r.refunds} refunds, ${r.invoices} invoices, ${r.ledgerEntries} ledger entries, ${r.bankRecords} bank records in ${(r.ms / 1000).toFixed(1)} s (${Math.round((r.payments / Math.max(r.ms, 1)) * 1000)} payments/s)`,
        );
      return 0;
    } finally {
      await gateway.close();
    }
  },
};
