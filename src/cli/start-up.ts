import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from '../config.ts';
import { newSecret } from '../domain/ids.ts';
import type { MerchantCredentials } from '../engine/merchants/view.ts';
import { type Gateway, type GatewayOptions, openGateway } from '../runtime.ts';
import { openDatabase } from '../store/database.ts';
import { bindKeys } from './key-binding.ts';

/**
 * How every command opens the gateway: the database first, then, under its start-up lock,
 * migrations, the keys bound to it (cli/key-binding.ts) and whatever `then` sets up (the demo
 * merchant). Processes started at once take turns, and each sees the work of those before it.
 */
export async function startUp<T = undefined>(
  settings: Settings,
  log: Logger,
  then?: (gateway: Gateway) => Promise<T>,
  extra: Pick<GatewayOptions, 'email'> = {},
): Promise<{ gateway: Gateway; prepared: T | undefined }> {
  const database = await openDatabase(settings.database);
  try {
    return await database.exclusive(async () => {
      await database.migrate();
      const { keyring, source } = await bindKeys(database, settings.dataDir);
      const gateway = await openGateway(
        { ...settings, keyring, keyringSource: source },
        { log, database, ...extra },
      );
      const prepared = then ? await then(gateway) : undefined;
      const close = async () => {
        await gateway.close(); // leaves a database it was given open
        await database.close();
      };
      return { gateway: { ...gateway, close }, prepared };
    });
  } catch (error) {
    await extra.email?.close();
    await database.close();
    throw error;
  }
}

export const demoFile = (dataDir: string): string => join(dataDir, 'demo-credentials.json');

/**
 * On a database without merchants: the demo merchant, its credentials kept (mode 0600) for
 * later starts. Run under the start-up lock, so processes started together make one.
 */
export function demoMerchant(dataDir: string) {
  return async (gateway: Gateway): Promise<MerchantCredentials | null> => {
    if ((await gateway.engine.listMerchants()).length === 0) {
      const made = await gateway.engine.createMerchant({ name: 'Demo shop' });
      if (!made.ok) return null;
      await seedDemoData(gateway, BigInt(made.value.id));
      const creds = { ...made.value, cabinet: await demoCabinetUser(gateway, BigInt(made.value.id)) };
      writeFileSync(demoFile(dataDir), `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
      return creds;
    }
    if (!existsSync(demoFile(dataDir))) return null;
    const kept: MerchantCredentials = JSON.parse(readFileSync(demoFile(dataDir), 'utf8'));
    if (kept.cabinet) return kept;
    // a demo made before the cabinet: its administrator now, once
    const cabinet = await demoCabinetUser(gateway, BigInt(kept.id));
    if (!cabinet) return kept;
    const creds = { ...kept, cabinet };
    writeFileSync(demoFile(dataDir), `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
    return creds;
  };
}

/** The demo merchant's cabinet administrator, `demo` with a random password; undefined if the login is taken. */
async function demoCabinetUser(gateway: Gateway, merchantId: bigint) {
  const login = 'demo';
  const password = newSecret(12);
  const made = await gateway.engine.createUser({
    merchantId,
    login,
    password,
    role: 'admin',
    refunds: { allowed: true, perDay: null },
  });
  return made.ok ? { login, password } : undefined;
}

/**
 * KOPEK_DEMO_DATA: how many demo payments the demo merchant starts with (default 3000 over five
 * months, so the cabinet shows living charts at once); `0` for none. Test runs (NODE_ENV=test)
 * start empty unless they ask.
 */
export function demoPaymentsOf(env: NodeJS.ProcessEnv): number {
  const text = env.KOPEK_DEMO_DATA?.trim();
  if (text === undefined || text === '') return env.NODE_ENV === 'test' ? 0 : 3000;
  if (/^(0|off|false|no)$/i.test(text)) return 0;
  return /^[0-9]{1,9}$/.test(text) ? Number(text) : 3000;
}

async function seedDemoData(gateway: Gateway, merchantId: bigint): Promise<void> {
  const payments = demoPaymentsOf(process.env);
  if (payments === 0) return;
  const seeded = await gateway.engine.seedDemo({ merchantId, payments, months: 5 });
  if (!seeded.ok) gateway.log.warn({ error: seeded.error }, 'demo data not written');
}
