import type { Currency } from '../../domain/currency.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import type { FeeSchedule } from '../../domain/fees.ts';
import { newHexToken, newSecret, randomBase62 } from '../../domain/ids.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import {
  apiSecretMatches,
  apiSecretVerifier,
  hashPassword,
  verifyPassword,
} from '../../security/passwords.ts';
import { Secret } from '../../security/secret.ts';
import type { MerchantRow } from '../../store/schema.ts';
import { inTransaction } from '../../store/transaction.ts';
import type { EngineDeps } from '../context.ts';
import { credentialStamp, loginTaken, newStamp, userOf } from './user-store.ts';
import {
  type Dialect,
  type Merchant,
  type MerchantCredentials,
  type MerchantSettings,
  type RefundRights,
  type Service,
  toService,
  type User,
} from './view.ts';

/** The service catalogue every new merchant starts with; fees are edited per merchant. */
export const defaultServices: ReadonlyArray<{
  code: string;
  kind: 'pay' | 'payout';
  method: string;
  currency: Currency;
  fee: FeeSchedule;
}> = [
  {
    code: 'card_rub',
    kind: 'pay',
    method: 'card',
    currency: 'RUB',
    fee: { ratePpm: 25_000n, fixedMinor: 0n, minMinor: 0n, maxMinor: null },
  },
  {
    code: 'card_usd',
    kind: 'pay',
    method: 'card',
    currency: 'USD',
    fee: { ratePpm: 29_000n, fixedMinor: 30n, minMinor: 0n, maxMinor: null },
  },
  {
    code: 'card_eur',
    kind: 'pay',
    method: 'card',
    currency: 'EUR',
    fee: { ratePpm: 29_000n, fixedMinor: 30n, minMinor: 0n, maxMinor: null },
  },
  {
    code: 'test_rub',
    kind: 'pay',
    method: 'test',
    currency: 'RUB',
    fee: { ratePpm: 10_000n, fixedMinor: 0n, minMinor: 0n, maxMinor: null },
  },
  {
    code: 'test_usd',
    kind: 'pay',
    method: 'test',
    currency: 'USD',
    fee: { ratePpm: 10_000n, fixedMinor: 0n, minMinor: 0n, maxMinor: null },
  },
  {
    code: 'payout_card_rub',
    kind: 'payout',
    method: 'card',
    currency: 'RUB',
    fee: { ratePpm: 10_000n, fixedMinor: 0n, minMinor: 5_000n, maxMinor: null },
  },
  {
    code: 'payout_account_rub',
    kind: 'payout',
    method: 'account',
    currency: 'RUB',
    fee: { ratePpm: 0n, fixedMinor: 2_500n, minMinor: 0n, maxMinor: null },
  },
];

export async function createMerchant(
  deps: EngineDeps,
  input: { name: string; settings?: MerchantSettings },
): Promise<Result<MerchantCredentials, EngineError>> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200)
    return fail(engineError('invalid_argument', { field: 'name', detail: 'a name of 1 to 200 characters' }));
  const now = deps.now().getTime();
  const { vault } = deps;
  return inTransaction(deps.database, async (trx) => {
    const { id } = await trx
      .insertInto('merchants')
      .values({
        name,
        status: 'active',
        settings: JSON.stringify({ publicAccess: true, ...input.settings }),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const creds: MerchantCredentials = {
      id: id.toString(),
      name,
      paykeeper: {
        login: `pk${id}-${randomBase62(4).toLowerCase()}`,
        password: newSecret(18),
        informer_seed: newHexToken(16),
        form_secret: newHexToken(16),
      },
      impay: { login: id.toString(), key: newSecret(24), callback_key: newSecret(24) },
      paymega: {
        account_id: `comacc_${randomBase62(16)}`,
        secret_key: newSecret(24),
        public_key: `pk_test_${randomBase62(43)}`,
      },
    };
    // Each sealed secret is bound to its merchant and purpose, so a ciphertext copied into
    // another row does not decrypt.
    const aad = (purpose: string) => `${id}:${purpose}`;
    await trx
      .insertInto('credentials')
      .values([
        {
          merchant_id: id,
          dialect: 'paykeeper',
          login: creds.paykeeper.login,
          verifier: apiSecretVerifier(creds.paykeeper.password),
          secret: vault.seal(creds.paykeeper.informer_seed, aad('paykeeper')),
          secret2: vault.seal(creds.paykeeper.form_secret, aad('paykeeper2')),
          public_key: null,
          created_at: now,
        },
        {
          merchant_id: id,
          dialect: 'impay',
          login: creds.impay.login,
          verifier: null,
          secret: vault.seal(creds.impay.key, aad('impay')),
          secret2: vault.seal(creds.impay.callback_key, aad('impay2')),
          public_key: null,
          created_at: now,
        },
        {
          merchant_id: id,
          dialect: 'paymega',
          login: creds.paymega.account_id,
          verifier: apiSecretVerifier(creds.paymega.secret_key),
          secret: vault.seal(creds.paymega.secret_key, aad('paymega')),
          secret2: null,
          public_key: creds.paymega.public_key,
          created_at: now,
        },
      ])
      .execute();
    await trx
      .insertInto('services')
      .values(
        defaultServices.map((s) => ({
          merchant_id: id,
          code: s.code,
          kind: s.kind,
          method: s.method,
          currency: s.currency,
          fee_rate_ppm: s.fee.ratePpm,
          fee_fixed_minor: s.fee.fixedMinor,
          fee_min_minor: s.fee.minMinor,
          fee_max_minor: s.fee.maxMinor,
          enabled: 1,
          created_at: now,
        })),
      )
      .execute();
    return ok(creds);
  });
}

const toMerchant = (
  row: Pick<MerchantRow, 'id' | 'name' | 'status' | 'settings' | 'created_at'>,
): Merchant => ({
  id: row.id,
  name: row.name,
  status: row.status,
  settings: JSON.parse(row.settings),
  createdAt: new Date(Number(row.created_at)),
});

export async function getMerchant(deps: EngineDeps, id: bigint): Promise<Merchant | null> {
  const row = await deps.database.db
    .selectFrom('merchants')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toMerchant(row) : null;
}

export async function listMerchants(deps: EngineDeps): Promise<Merchant[]> {
  const rows = await deps.database.db.selectFrom('merchants').selectAll().orderBy('id').execute();
  return rows.map(toMerchant);
}

/** Secrets set with the settings, sealed by the vault (bound to the merchant and their purpose). */
export type SettingsSecrets = {
  /** PayKeeper's informer seed: the PayKeeper credential's `secret`. */
  informerSeed?: string;
  /** The organization's SMTP password: the `smtp` credential's `secret`. */
  smtpPassword?: string;
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: secrets are typed by hand and must not carry them
const controls = /[\u0000-\u001F\u007F]/;
const secretProblem = (field: string, value: string): EngineError | null =>
  value.length === 0 || value.length > 200 || controls.test(value)
    ? engineError('invalid_argument', { field, detail: '1 to 200 printable characters' })
    : null;

/**
 * The one writer of a merchant's settings: merges `patch` into them and seals `secrets`, in
 * one transaction. Whatever reads settings reads them when it acts (the informer when it
 * sends, the mailer for each e-mail), so a change applies to the next notification.
 */
export async function updateMerchantSettings(
  deps: EngineDeps,
  id: bigint,
  patch: MerchantSettings,
  secrets: SettingsSecrets = {},
): Promise<Result<Merchant, EngineError>> {
  const problem =
    (secrets.informerSeed === undefined ? null : secretProblem('informer_seed', secrets.informerSeed)) ??
    (secrets.smtpPassword === undefined ? null : secretProblem('smtp_password', secrets.smtpPassword));
  if (problem) return fail(problem);
  const { vault } = deps;
  return inTransaction(deps.database, async (trx) => {
    const row = await trx.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return fail(engineError('merchant_not_found'));
    const settings = { ...JSON.parse(row.settings), ...patch };
    const now = deps.now().getTime();
    const updated = await trx
      .updateTable('merchants')
      .set({ settings: JSON.stringify(settings), updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (secrets.informerSeed !== undefined)
      await trx
        .updateTable('credentials')
        .set({ secret: vault.seal(secrets.informerSeed, `${id}:paykeeper`) })
        .where('merchant_id', '=', id)
        .where('dialect', '=', 'paykeeper')
        .execute();
    if (secrets.smtpPassword !== undefined) {
      // key rotation re-seals every credential's secret under `${merchant}:${dialect}`
      const sealed = vault.seal(secrets.smtpPassword, `${id}:smtp`);
      await trx
        .insertInto('credentials')
        .values({
          merchant_id: id,
          dialect: 'smtp',
          login: id.toString(),
          verifier: null,
          secret: sealed,
          secret2: null,
          public_key: null,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['dialect', 'login']).doUpdateSet({ secret: sealed }))
        .execute();
    }
    return ok(toMerchant(updated));
  });
}

/** The organization's own SMTP server, when it uses one and has named a host (read at every send). */
export type MerchantSmtp = {
  host: string;
  port: number | null;
  user: string | null;
  password: Secret<string> | null;
};

export async function merchantSmtp(deps: EngineDeps, merchantId: bigint): Promise<MerchantSmtp | null> {
  const merchant = await getMerchant(deps, merchantId);
  const s = merchant?.settings;
  if (s?.smtpUseCustom !== true || typeof s.smtpHost !== 'string' || s.smtpHost === '') return null;
  const password = await smtpPasswordOf(deps, merchantId);
  return {
    host: s.smtpHost,
    port: typeof s.smtpPort === 'number' ? s.smtpPort : null,
    user: typeof s.smtpUser === 'string' && s.smtpUser !== '' ? s.smtpUser : null,
    password: password === null ? null : new Secret(password),
  };
}

async function smtpPasswordOf(deps: EngineDeps, merchantId: bigint): Promise<string | null> {
  const row = await deps.database.db
    .selectFrom('credentials')
    .select('secret')
    .where('dialect', '=', 'smtp')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row?.secret ? deps.vault.open(row.secret, `${merchantId}:smtp`) : null;
}

/** The organization's secrets in clear, for its administrator's settings page (PayKeeper 4.3). */
export async function organizationSecrets(
  deps: EngineDeps,
  merchantId: bigint,
): Promise<{ informerSeed: Secret<string> | null; smtpPassword: Secret<string> | null }> {
  const row = await deps.database.db
    .selectFrom('credentials')
    .select('secret')
    .where('dialect', '=', 'paykeeper')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  const seed = row?.secret ? deps.vault.open(row.secret, `${merchantId}:paykeeper`) : null;
  const password = await smtpPasswordOf(deps, merchantId);
  return {
    informerSeed: seed === null ? null : new Secret(seed),
    smtpPassword: password === null ? null : new Secret(password),
  };
}

/**
 * Replaces a dialect's second secret (ImPay's callback key): sealed under the active master
 * key with the same binding as at creation (`${merchantId}:${dialect}2`). Merchants often want
 * it equal to their API key (COMPAT.md), so it can be set, not only generated.
 */
export async function setDialectSecret(
  deps: EngineDeps,
  merchantId: bigint,
  dialect: Dialect,
  value: string,
): Promise<Result<true, EngineError>> {
  if (value === '' || value.length > 256 || value.includes('\u0000'))
    return fail(engineError('invalid_argument', { field: 'secret', detail: '1 to 256 characters' }));
  const updated = await deps.database.db
    .updateTable('credentials')
    .set({ secret2: deps.vault.seal(value, `${merchantId}:${dialect}2`) })
    .where('merchant_id', '=', merchantId)
    .where('dialect', '=', dialect)
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n ? ok(true) : fail(engineError('merchant_not_found'));
}

export async function setMerchantStatus(
  deps: EngineDeps,
  id: bigint,
  status: Merchant['status'],
): Promise<Result<Merchant, EngineError>> {
  const row = await deps.database.db
    .updateTable('merchants')
    .set({ status, updated_at: deps.now().getTime() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row ? ok(toMerchant(row)) : fail(engineError('merchant_not_found'));
}

/**
 * Replaces the PayKeeper informer seed: sealed like at creation (bound to the merchant and
 * purpose). The informer reads it at every send, so the next notification is signed with it.
 */
export async function setInformerSeed(
  deps: EngineDeps,
  merchantId: bigint,
  seed: string,
): Promise<Result<void, EngineError>> {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a seed is typed by hand and must not carry them
  if (seed.length === 0 || seed.length > 200 || /[\u0000-\u001F\u007F]/.test(seed))
    return fail(
      engineError('invalid_argument', { field: 'informer_seed', detail: '1 to 200 printable characters' }),
    );
  const { numUpdatedRows } = await deps.database.db
    .updateTable('credentials')
    .set({ secret: deps.vault.seal(seed, `${merchantId}:paykeeper`) })
    .where('merchant_id', '=', merchantId)
    .where('dialect', '=', 'paykeeper')
    .executeTakeFirst();
  return numUpdatedRows > 0n ? ok(undefined) : fail(engineError('merchant_not_found'));
}

/** What a dialect needs to authenticate a caller and sign for it; secrets opened on demand. */
export type MerchantAuth = {
  merchant: Merchant;
  login: string;
  /** The dialect's signing secret (informer seed, ImPay key, Paymega secret key). */
  secret: () => string;
  secret2: () => string | null;
};

async function authRow(deps: EngineDeps, dialect: Dialect, column: 'login' | 'public_key', value: string) {
  return deps.database.db
    .selectFrom('credentials as c')
    .innerJoin('merchants as m', 'm.id', 'c.merchant_id')
    .select([
      'c.login',
      'c.verifier',
      'c.secret',
      'c.secret2',
      'm.id',
      'm.name',
      'm.status',
      'm.settings',
      'm.created_at',
    ])
    .where('c.dialect', '=', dialect)
    .where(`c.${column}`, '=', value)
    .executeTakeFirst();
}

/**
 * Opened credential secrets, by vault, binding and ciphertext: ImPay checks every request's
 * token with the merchant's key, and AES-GCM on every call buys nothing, since a sealed value
 * opens to the same text each time. Safe by construction: a new secret or a re-sealing under
 * another master key (rotation) is another ciphertext, so another entry; a value that does not
 * open is never kept. Bounded, least recently used dropped first. Credentials only: card
 * numbers are never kept open.
 */
const openedMax = 1000;
const opened = new WeakMap<EngineDeps['vault'], Map<string, string>>();
function openSecret(vault: EngineDeps['vault'], sealed: string, aad: string): string {
  let cache = opened.get(vault);
  if (!cache) {
    cache = new Map();
    opened.set(vault, cache);
  }
  const key = `${aad}\n${sealed}`;
  let plain = cache.get(key);
  if (plain === undefined) plain = vault.open(sealed, aad);
  else cache.delete(key); // re-inserted below: the Map's order is the LRU order
  cache.set(key, plain);
  if (cache.size > openedMax) cache.delete(cache.keys().next().value!);
  return plain;
}

function toAuth(
  deps: EngineDeps,
  dialect: Dialect,
  row: NonNullable<Awaited<ReturnType<typeof authRow>>>,
): MerchantAuth {
  const aad = (purpose: string) => `${row.id}:${purpose}`;
  return {
    merchant: toMerchant(row),
    login: row.login,
    secret: () => (row.secret ? openSecret(deps.vault, row.secret, aad(dialect)) : ''),
    secret2: () => (row.secret2 ? openSecret(deps.vault, row.secret2, aad(`${dialect}2`)) : null),
  };
}

/** Finds a merchant by a dialect login; with `password`, only if it matches (Basic auth). */
export async function authenticate(
  deps: EngineDeps,
  dialect: Dialect,
  login: string,
  password?: string,
): Promise<MerchantAuth | null> {
  const row = await authRow(deps, dialect, 'login', login);
  if (!row) return null;
  if (password !== undefined && !(row.verifier && apiSecretMatches(password, row.verifier))) return null;
  return toAuth(deps, dialect, row);
}

export async function authenticateByPublicKey(
  deps: EngineDeps,
  publicKey: string,
): Promise<MerchantAuth | null> {
  const row = await authRow(deps, 'paymega', 'public_key', publicKey);
  return row ? toAuth(deps, 'paymega', row) : null;
}

export async function merchantAuth(
  deps: EngineDeps,
  dialect: Dialect,
  merchantId: bigint,
): Promise<MerchantAuth | null> {
  const row = await deps.database.db
    .selectFrom('credentials as c')
    .innerJoin('merchants as m', 'm.id', 'c.merchant_id')
    .select([
      'c.login',
      'c.verifier',
      'c.secret',
      'c.secret2',
      'm.id',
      'm.name',
      'm.status',
      'm.settings',
      'm.created_at',
    ])
    .where('c.dialect', '=', dialect)
    .where('c.merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row ? toAuth(deps, dialect, row) : null;
}

// ---- services (the fee catalogue) ----

export async function listServices(deps: EngineDeps, merchantId: bigint): Promise<Service[]> {
  const rows = await deps.database.db
    .selectFrom('services')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .orderBy('id')
    .execute();
  return rows.map(toService);
}

export async function setServiceFee(
  deps: EngineDeps,
  merchantId: bigint,
  code: string,
  fee: FeeSchedule,
): Promise<Result<Service, EngineError>> {
  if (
    fee.ratePpm < 0n ||
    fee.ratePpm > 1_000_000n ||
    fee.fixedMinor < 0n ||
    fee.minMinor < 0n ||
    (fee.maxMinor !== null && fee.maxMinor < fee.minMinor)
  )
    return fail(engineError('invalid_argument', { field: 'fee' }));
  const row = await deps.database.db
    .updateTable('services')
    .set({
      fee_rate_ppm: fee.ratePpm,
      fee_fixed_minor: fee.fixedMinor,
      fee_min_minor: fee.minMinor,
      fee_max_minor: fee.maxMinor,
    })
    .where('merchant_id', '=', merchantId)
    .where('code', '=', code)
    .returningAll()
    .executeTakeFirst();
  return row ? ok(toService(row)) : fail(engineError('service_not_found'));
}

// ---- cabinet users ----

export type { RefundRights, User } from './view.ts';

export async function createUser(
  deps: EngineDeps,
  input: {
    merchantId: bigint | null;
    login: string;
    password: string;
    role: User['role'];
    refunds?: RefundRights;
  },
): Promise<Result<User, EngineError>> {
  if (!/^[\w.@-]{3,64}$/.test(input.login)) return fail(engineError('invalid_argument', { field: 'login' }));
  if (input.password.length < 8)
    return fail(engineError('invalid_argument', { field: 'password', detail: 'at least 8 characters' }));
  const perDay = input.refunds?.perDay ?? null;
  if (perDay !== null && (!Number.isSafeInteger(perDay) || perDay < 1 || perDay > 1_000_000))
    return fail(engineError('invalid_argument', { field: 'refunds_per_day', detail: '1 to 1000000' }));
  if (await loginTaken(deps, input.login))
    return fail(engineError('invalid_argument', { field: 'login', detail: 'taken' }));
  const row = await deps.database.db
    .insertInto('users')
    .values({
      merchant_id: input.merchantId,
      login: input.login,
      password_hash: await hashPassword(input.password),
      role: input.role,
      created_at: deps.now().getTime(),
      refunds_allowed: input.refunds?.allowed ? 1 : 0,
      refunds_per_day: perDay,
      stamp: newStamp(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return ok(userOf(row));
}

/**
 * A user who proved the password. `stamp` changes whenever the password does (a digest of its
 * hash): tokens derived from it (PayKeeper's security token) die with the old password.
 */
export type VerifiedUser = User & {
  stamp: string;
  /** This Moscow day's first visit, if one was noted (`noteUserVisit`). */
  visitAt: Date | null;
};

/** The hash an unknown login's password is checked against (made once, of a random password). */
let absentHash: Promise<string> | undefined;
const absentUserHash = (): Promise<string> => {
  absentHash ??= hashPassword(newSecret(16));
  return absentHash;
};

export async function verifyUser(
  deps: EngineDeps,
  login: string,
  password: string,
): Promise<VerifiedUser | null> {
  const row = await deps.database.db
    .selectFrom('users')
    .selectAll()
    .where('login', '=', login)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  // an unknown login costs the same scrypt as a wrong password, so timing tells neither apart
  if (!row) {
    await verifyPassword(password, await absentUserHash());
    return null;
  }
  if (!(await verifyPassword(password, row.password_hash))) return null;
  return {
    ...userOf(row),
    stamp: credentialStamp(row),
    visitAt: row.visit_at === null ? null : new Date(Number(row.visit_at)),
  };
}
