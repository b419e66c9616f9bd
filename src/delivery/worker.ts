import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { limits } from '../domain/limits.ts';
import { VaultError } from '../security/vault.ts';
import type { Database } from '../store/database.ts';
import type { DB, OutboxRow } from '../store/schema.ts';
import { inTransaction } from '../store/transaction.ts';
import { isForbiddenTarget } from './outgoing.ts';

/**
 * The outbox worker: claims due rows, hands each to the handler of its channel with a
 * deadline, logs every attempt, and reschedules failures on the channel's backoff until its
 * attempt limit, after which the row is `exhausted` (dead-lettered, visible to the merchant).
 * Any number of workers in any number of processes may run: on PostgreSQL a claim is
 * `FOR UPDATE SKIP LOCKED` plus a lease, so each due row goes to one worker at a time.
 */
export type OutboxJob = {
  id: bigint;
  merchantId: bigint;
  channel: string;
  event: string;
  refType: string;
  refId: bigint;
  payload: Record<string, unknown>;
  /** 1 for the first attempt. */
  attempt: number;
};

export type DeliveryResult = {
  delivered: boolean;
  responseStatus?: number;
  responseBody?: string;
  error?: string;
  /** The receiver refused for good (an SMTP 5xx): dead-letter now, since a retry cannot help. */
  permanent?: boolean;
  /**
   * Nothing was sent: a later row tells the same (or newer) news. The row is closed as
   * `superseded`, with no attempt in its delivery log.
   */
  superseded?: boolean;
  /**
   * Closed as delivered without a request (the merchant configured no receiver): the reason is
   * logged, but the row's `attempts` — what a merchant reads as requests sent — stays as it is.
   */
  nothingSent?: boolean;
};

export type DeliveryHandler = (job: OutboxJob, signal: AbortSignal) => Promise<DeliveryResult>;

export type RetryPolicy = {
  attemptsMax: number;
  /** Delay before attempt n+1 after attempt n failed (n from 1). */
  delayMs: (attempt: number) => number;
};

/** `[60_000, 120_000]` → 1 min, then 2 min, then 2 min … */
export const scheduleBackoff = (delaysMs: readonly number[], attemptsMax: number): RetryPolicy => ({
  attemptsMax: Math.min(attemptsMax, limits.deliveryAttemptsMax),
  delayMs: (attempt) => delaysMs[Math.min(attempt, delaysMs.length) - 1] ?? 60_000,
});

/** 1, 2, 3 … steps apart (Paymega's documented schedule with a one-minute step). */
export const linearBackoff = (stepMs: number, attemptsMax: number): RetryPolicy => ({
  attemptsMax: Math.min(attemptsMax, limits.deliveryAttemptsMax),
  delayMs: (attempt) => attempt * stepMs,
});

export type WorkerOptions = {
  database: Database;
  handlers: ReadonlyMap<string, DeliveryHandler>;
  retryPolicy: (channel: string) => RetryPolicy;
  workerId: string;
  timeoutMs?: number;
  batch?: number;
  /** How long a claim holds before another worker may take the row (must exceed timeoutMs). */
  leaseMs?: number;
  concurrency?: number;
  now?: () => Date;
  log?: Logger;
};

/** Throws on a payload that is not a JSON object: such a row can never be delivered. */
const toJob = (row: OutboxRow): OutboxJob => {
  let payload: unknown;
  try {
    payload = JSON.parse(row.payload);
  } catch (error) {
    throw new Error(`payload is not valid JSON (${messageOf(error)})`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new Error('payload is not a JSON object');
  return {
    id: row.id,
    merchantId: row.merchant_id,
    channel: row.channel,
    event: row.event,
    refType: row.ref_type,
    refId: row.ref_id,
    payload: payload as Record<string, unknown>,
    attempt: Number(row.attempts) + 1,
  };
};

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** C0 controls but tab, LF and CR, then DEL and C1: PostgreSQL refuses NUL in text, and none helps a reader. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const controlChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** What a merchant's endpoint answered, made fit for the attempt log: printable and bounded. */
const storable = (text: string | null | undefined, max: number): string | null =>
  text == null ? null : String(text).replace(controlChars, '').slice(0, max);

export class DeliveryWorker {
  readonly #o: Required<Omit<WorkerOptions, 'log'>> & { log?: Logger };
  #unsignable = 0;

  /**
   * Attempts that failed because this process could not open the merchant's secret to sign
   * (or a sealed value to send): keys that are not the database's. Counted for /metrics.
   */
  get unsignableAttempts(): number {
    return this.#unsignable;
  }

  constructor(options: WorkerOptions) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.#o = {
      timeoutMs,
      batch: limits.outboxBatchMax,
      leaseMs: timeoutMs * 3,
      concurrency: 8,
      now: () => new Date(),
      ...options,
    };
  }

  /** Claims and delivers up to one batch; returns how many rows it attempted. */
  async runOnce(): Promise<number> {
    const budget = Math.min(this.#o.batch, limits.outboxBatchMax);
    const lanesMax = Math.max(1, Math.min(this.#o.concurrency, budget));
    let taken = 0;
    const lanes: Promise<void>[] = [];
    // Each lane claims one row right before sending it, so a claimed row never waits in memory
    // for a free lane: claiming the whole batch up front let waiting rows outlive their lease,
    // and another worker claimed and sent them again. Lanes open one at a time, each once the
    // last one found a row: an idle outbox costs one claim per run, not one per lane.
    const lane = async () => {
      while (taken < budget) {
        taken++;
        const row = await this.claim();
        if (!row) {
          taken--;
          return;
        }
        if (lanes.length < lanesMax && taken < budget) lanes.push(lane());
        try {
          await this.deliver(row);
        } catch (error) {
          // Not even the failure could be recorded (the database is away): the lease lapses and
          // the row comes back; the other rows still get their turn.
          this.#o.log?.error({ err: error, outboxId: row.id.toString() }, 'delivery not recorded');
        }
      }
    };
    lanes.push(lane());
    // Lanes are added while others run: wait until none is left unsettled.
    const settled: PromiseSettledResult<void>[] = [];
    for (let i = 0; i < lanes.length; i++) settled.push(...(await Promise.allSettled([lanes[i]!])));
    // Every lane has stopped before a claim failure is reported, so no lane outlives runOnce.
    for (const l of settled) if (l.status === 'rejected') throw l.reason;
    return taken;
  }

  /**
   * The next due row, leased to this worker, in one statement (`UPDATE … WHERE id = (SELECT …
   * LIMIT 1) RETURNING *`). On PostgreSQL it runs on its own, one round trip, the select
   * `FOR UPDATE SKIP LOCKED` so that workers never wait for each other's row; on SQLite inside a
   * transaction, as every write there (one writer; commits may be grouped).
   */
  private async claim(): Promise<OutboxRow | undefined> {
    const { database, leaseMs, workerId } = this.#o;
    const now = this.#o.now().getTime();
    const claimIn = (db: Kysely<DB>) => {
      let due = db
        .selectFrom('outbox')
        .select('id')
        .where('notice', '=', 'queued')
        .where('next_attempt_at', '<=', BigInt(now))
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', BigInt(now))]))
        .orderBy('next_attempt_at')
        .limit(1);
      if (database.flavor === 'postgres') due = due.forUpdate().skipLocked();
      return db
        .updateTable('outbox')
        .set({ locked_until: now + leaseMs, locked_by: workerId })
        .where('id', '=', due)
        .returningAll()
        .executeTakeFirst();
    };
    return database.flavor === 'postgres' ? claimIn(database.db) : inTransaction(database, claimIn);
  }

  /**
   * One row, start to end. Whatever goes wrong with it becomes that row's failed attempt, so a
   * poisoned row backs off and dead-letters instead of looping and blocking the rows behind it.
   */
  private async deliver(row: OutboxRow): Promise<void> {
    const attempt = Number(row.attempts) + 1;
    const started = this.#o.now().getTime();
    let job: OutboxJob;
    try {
      job = toJob(row);
    } catch (error) {
      // A payload that does not parse never will: dead-letter it now rather than retry it.
      await this.record(row, attempt, started, { delivered: false, error: messageOf(error) }, true);
      return;
    }
    const handler = this.#o.handlers.get(row.channel);
    let result: DeliveryResult;
    if (!handler) {
      result = { delivered: false, error: `no handler for channel ${row.channel}` };
    } else {
      const signal = AbortSignal.timeout(this.#o.timeoutMs);
      try {
        result = await handler(job, signal);
      } catch (error) {
        result = { delivered: false, error: signal.aborted ? 'timeout' : messageOf(error) };
        // the target is an address callbacks may not reach: no retry changes that
        if (isForbiddenTarget(error)) result = { ...result, permanent: true };
        // Not the merchant's fault and no retry cures it: an operator must bring the right keys.
        if (error instanceof VaultError) {
          this.#unsignable++;
          this.#o.log?.error(
            {
              outboxId: row.id.toString(),
              channel: row.channel,
              merchantId: row.merchant_id.toString(),
              attempt,
              error: error.message,
            },
            'callback cannot be signed or decrypted: master keys do not match the database',
          );
        }
      }
    }
    try {
      await this.record(row, attempt, started, result, result.permanent === true);
    } catch (error) {
      // The outcome could not be stored (a handler's malformed result, a value the database
      // refuses): count a failed attempt, so the row backs off instead of being sent again at
      // every lease expiry, even after the merchant said yes.
      this.#o.log?.warn({ err: error, outboxId: row.id.toString() }, 'delivery result not recorded');
      await this.record(row, attempt, started, {
        delivered: false,
        error: `result could not be recorded: ${messageOf(error)}`,
      });
    }
  }

  private async record(
    row: OutboxRow,
    attempt: number,
    started: number,
    result: DeliveryResult,
    deadLetter = false,
  ): Promise<void> {
    const { database, workerId } = this.#o;
    const now = this.#o.now().getTime();
    const policy = this.#o.retryPolicy(row.channel);
    const exhausted = !result.delivered && (deadLetter || attempt >= policy.attemptsMax);
    const superseded = result.superseded === true && !result.delivered;
    const closed = {
      attempts:
        superseded || (result.delivered && result.nothingSent) ? row.attempts : sql<bigint>`attempts + 1`,
      notice: superseded
        ? ('superseded' as const)
        : result.delivered
          ? ('delivered' as const)
          : exhausted
            ? ('exhausted' as const)
            : ('queued' as const),
      delivered_at: result.delivered ? now : null,
      next_attempt_at:
        result.delivered || exhausted || superseded ? row.next_attempt_at : now + policy.delayMs(attempt),
      locked_until: null,
      locked_by: null,
      updated_at: now,
    };
    // Only the lease holder writes: the lease's end, as claimed, is the fencing token. Should
    // the lease have lapsed and the row gone to another worker, that worker owns the row and
    // its log, and this result is dropped rather than logged as an extra attempt.
    const close = (db: Kysely<DB>) =>
      db
        .updateTable('outbox')
        .set(closed)
        .where('id', '=', row.id)
        .where('locked_by', '=', workerId)
        .where('locked_until', '=', row.locked_until ?? -1n)
        .where('notice', '=', 'queued');
    const attemptRow = {
      outbox_id: row.id,
      merchant_id: row.merchant_id,
      attempt_no: attempt,
      started_at: started,
      duration_ms: now - started,
      delivered: result.delivered ? 1 : 0,
      response_status: result.responseStatus ?? null,
      response_body: storable(result.responseBody, limits.deliveryResponseBodyStoredMax),
      error: storable(result.error, 500),
    };
    const held =
      database.flavor === 'postgres' && !superseded
        ? // one statement, one round trip: the attempt is logged only if the row was still held
          (
            await database.db
              .with('closed', () => close(database.db).returning('id'))
              .insertInto('delivery_attempts')
              .columns([
                'outbox_id',
                'merchant_id',
                'attempt_no',
                'started_at',
                'duration_ms',
                'delivered',
                'response_status',
                'response_body',
                'error',
              ])
              .expression(
                sql`select closed.id, cast(${attemptRow.merchant_id} as bigint), cast(${attemptRow.attempt_no} as bigint), cast(${attemptRow.started_at} as bigint), cast(${attemptRow.duration_ms} as bigint), cast(${attemptRow.delivered} as bigint), cast(${attemptRow.response_status} as bigint), cast(${attemptRow.response_body} as text), cast(${attemptRow.error} as text) from closed`,
              )
              .returning('id')
              .execute()
          ).length > 0
        : await inTransaction(database, async (trx) => {
            const { numUpdatedRows } = await close(trx).executeTakeFirst();
            if (numUpdatedRows === 0n) return false;
            if (superseded) return true;
            await trx.insertInto('delivery_attempts').values(attemptRow).execute();
            return true;
          });
    if (!held)
      this.#o.log?.warn(
        { outboxId: row.id.toString(), channel: row.channel, attempt },
        'delivery lease lost; result not recorded',
      );
    else if (!result.delivered && !superseded)
      this.#o.log?.info(
        {
          outboxId: row.id.toString(),
          channel: row.channel,
          attempt,
          exhausted,
          error: result.error,
          status: result.responseStatus,
        },
        'delivery failed',
      );
  }
}

/** Sends a row again from scratch (PayKeeper's `repeatcnt`, a cabinet "resend" button). */
export async function requeue(database: Database, outboxId: bigint, now: Date): Promise<boolean> {
  const row = await database.db
    .updateTable('outbox')
    .set({
      notice: 'queued',
      attempts: 0,
      next_attempt_at: now.getTime(),
      locked_until: null,
      locked_by: null,
      updated_at: now.getTime(),
    })
    .where('id', '=', outboxId)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
