import { sql } from 'kysely';
import type { Logger } from 'pino';
import { limits } from '../domain/limits.ts';
import type { Database } from '../store/database.ts';
import type { OutboxRow } from '../store/schema.ts';
import { inTransaction } from '../store/transaction.ts';

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

const toJob = (row: OutboxRow): OutboxJob => ({
  id: row.id,
  merchantId: row.merchant_id,
  channel: row.channel,
  event: row.event,
  refType: row.ref_type,
  refId: row.ref_id,
  payload: JSON.parse(row.payload),
  attempt: Number(row.attempts) + 1,
});

export class DeliveryWorker {
  readonly #o: Required<Omit<WorkerOptions, 'log'>> & { log?: Logger };

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

  /** Claims and delivers one batch; returns how many rows it attempted. */
  async runOnce(): Promise<number> {
    const rows = await this.claim();
    let next = 0;
    const lane = async () => {
      while (next < rows.length) await this.deliver(rows[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, rows.length) }, lane));
    return rows.length;
  }

  private async claim(): Promise<OutboxRow[]> {
    const { database, batch, leaseMs, workerId } = this.#o;
    const now = this.#o.now().getTime();
    return inTransaction(database, async (trx) => {
      let due = trx
        .selectFrom('outbox')
        .select('id')
        .where('notice', '=', 'queued')
        .where('next_attempt_at', '<=', BigInt(now))
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', BigInt(now))]))
        .orderBy('next_attempt_at')
        .limit(Math.min(batch, limits.outboxBatchMax));
      if (database.flavor === 'postgres') due = due.forUpdate().skipLocked();
      const ids = (await due.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      return trx
        .updateTable('outbox')
        .set({ locked_until: now + leaseMs, locked_by: workerId })
        .where('id', 'in', ids)
        .returningAll()
        .execute();
    });
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const job = toJob(row);
    const started = this.#o.now().getTime();
    const handler = this.#o.handlers.get(row.channel);
    let result: DeliveryResult;
    if (!handler) {
      result = { delivered: false, error: `no handler for channel ${row.channel}` };
    } else {
      const signal = AbortSignal.timeout(this.#o.timeoutMs);
      try {
        result = await handler(job, signal);
      } catch (error) {
        result = {
          delivered: false,
          error: signal.aborted ? 'timeout' : error instanceof Error ? error.message : String(error),
        };
      }
    }
    await this.record(row, job, started, result);
  }

  private async record(
    row: OutboxRow,
    job: OutboxJob,
    started: number,
    result: DeliveryResult,
  ): Promise<void> {
    const { database, workerId } = this.#o;
    const now = this.#o.now().getTime();
    const policy = this.#o.retryPolicy(row.channel);
    const exhausted = !result.delivered && job.attempt >= policy.attemptsMax;
    await inTransaction(database, async (trx) => {
      await trx
        .insertInto('delivery_attempts')
        .values({
          outbox_id: row.id,
          merchant_id: row.merchant_id,
          attempt_no: job.attempt,
          started_at: started,
          duration_ms: now - started,
          delivered: result.delivered ? 1 : 0,
          response_status: result.responseStatus ?? null,
          response_body: result.responseBody?.slice(0, limits.deliveryResponseBodyStoredMax) ?? null,
          error: result.error?.slice(0, 500) ?? null,
        })
        .execute();
      await trx
        .updateTable('outbox')
        .set({
          attempts: sql`attempts + 1`,
          notice: result.delivered ? 'delivered' : exhausted ? 'exhausted' : 'queued',
          delivered_at: result.delivered ? now : null,
          next_attempt_at:
            result.delivered || exhausted ? row.next_attempt_at : now + policy.delayMs(job.attempt),
          locked_until: null,
          locked_by: null,
          updated_at: now,
        })
        .where('id', '=', row.id)
        .where('locked_by', '=', workerId)
        .where('notice', '=', 'queued')
        .execute();
    });
    if (!result.delivered)
      this.#o.log?.info(
        {
          outboxId: row.id.toString(),
          channel: row.channel,
          attempt: job.attempt,
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
