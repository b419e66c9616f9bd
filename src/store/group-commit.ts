import type SQLite from 'better-sqlite3';
import {
  type ControlledTransaction,
  type DatabaseConnection,
  type Driver,
  type Kysely,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type Transaction,
} from 'kysely';
import { limits } from '../domain/limits.ts';
import type { DB } from './schema.ts';

type Tx = Transaction<DB>;

/**
 * Group commit on the embedded store: concurrent use cases share one durable commit.
 *
 * SQLite with `synchronous=FULL` pays one fsync per commit, and on one connection every use case
 * waited for its own. Here the use cases that arrive while a commit is forming or on its way to
 * disk run one after the other inside one `BEGIN IMMEDIATE … COMMIT`, each in a savepoint of its
 * own: a use case that throws (or throws `Rollback`) is rolled back to its savepoint and leaves
 * the others' writes alone, and no use case's promise settles before the COMMIT that holds it
 * has returned, so nothing is acknowledged that a crash could still take back.
 *
 * One savepoint is open at a time: the leader (the first caller that found no batch running)
 * runs the queued use cases in turn and commits when the queue is empty or the batch is full,
 * then settles every promise of the batch and starts the next batch if more arrived meanwhile.
 * Kysely's single-connection mutex is held from BEGIN to COMMIT, so reads and writes outside a
 * transaction wait for the commit and never see a batch's uncommitted rows.
 */
export type GroupCommitOptions = {
  /** Use cases in one commit at most. */
  batchMax?: number;
  /** Called just before each COMMIT with the number of use cases it holds; a throw fails the commit. */
  beforeCommit?: (useCases: number) => void;
};

export type GroupCommitStats = {
  /** Batches that committed. */
  commits: number;
  /** Use cases settled by those commits (including ones that rolled back to their savepoint). */
  useCases: number;
  /** The most use cases one commit held. */
  largestBatch: number;
};

type Job = {
  work: (trx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  attempt: number;
};

type Outcome = { job: Job; ok: true; value: unknown } | { job: Job; ok: false; error: unknown };

/** A busy database: the use case may run again (the same test as store/transaction.ts). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class GroupCommit {
  readonly #db: Kysely<DB>;
  readonly #sqlite: SQLite.Database;
  readonly #batchMax: number;
  readonly #beforeCommit: ((useCases: number) => void) | undefined;
  readonly #savepoint: SQLite.Statement;
  readonly #release: SQLite.Statement;
  readonly #rollbackTo: SQLite.Statement;
  #queue: Job[] = [];
  #leading = false;
  #led: Promise<void> = Promise.resolve();
  #stats: GroupCommitStats = { commits: 0, useCases: 0, largestBatch: 0 };

  constructor(db: Kysely<DB>, sqlite: SQLite.Database, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#sqlite = sqlite;
    this.#batchMax = options.batchMax ?? limits.groupCommitUseCasesMax;
    this.#beforeCommit = options.beforeCommit;
    this.#savepoint = sqlite.prepare('savepoint use_case');
    this.#release = sqlite.prepare('release use_case');
    this.#rollbackTo = sqlite.prepare('rollback to use_case');
  }

  /** Runs `work` in its own savepoint of the next commit; settles once that commit is on disk. */
  run<T>(work: (trx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject, attempt: 1 });
      if (!this.#leading) {
        this.#leading = true;
        this.#led = this.#lead();
      }
    });
  }

  stats(): GroupCommitStats {
    return { ...this.#stats };
  }

  /** Resolves once no batch is running (before the connection closes). */
  async drain(): Promise<void> {
    while (this.#leading) await this.#led;
  }

  async #lead(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#batch();
    } finally {
      // Same turn as the empty-queue check above: a use case queued later finds no leader and leads.
      this.#leading = false;
    }
  }

  /** One BEGIN IMMEDIATE … COMMIT. Never throws: every outcome goes to its use case's promise. */
  async #batch(): Promise<void> {
    let trx: ControlledTransaction<DB>;
    try {
      trx = await this.#db.startTransaction().execute();
    } catch (error) {
      // No write lock after the busy wait, or a closed database: whoever is waiting now fails,
      // as each would have on its own BEGIN.
      for (const job of this.#queue.splice(0)) job.reject(error);
      return;
    }
    const done: Outcome[] = [];
    let current: Job | undefined; // settled here should a savepoint statement itself fail
    try {
      while (done.length < this.#batchMax) {
        let job = this.#queue.shift();
        if (!job) {
          // Let callers that are one turn away join this commit rather than wait for the next.
          await nextTurn();
          job = this.#queue.shift();
          if (!job) break;
        }
        current = job;
        const outcome = await this.#runOne(job, trx);
        current = undefined;
        if (outcome === 'lost') {
          // SQLite rolled the whole transaction back (disk full, I/O error): the use cases before
          // this one lost their writes too. Nothing was acknowledged, so they run again.
          this.#requeue(done);
          if (!trx.isRolledBack)
            await trx
              .rollback()
              .execute()
              .catch(() => {});
          return;
        }
        if (outcome) done.push(outcome);
      }
      this.#beforeCommit?.(done.length);
      await trx.commit().execute();
    } catch (error) {
      // A failed COMMIT (or savepoint statement): none of this batch is durable, and any answer
      // may rest on another's lost rows, so every use case of the batch gets the error.
      if (!trx.isCommitted && !trx.isRolledBack)
        await trx
          .rollback()
          .execute()
          .catch(() => {});
      for (const { job } of done) job.reject(error);
      current?.reject(error);
      return;
    }
    this.#stats.commits++;
    this.#stats.useCases += done.length;
    this.#stats.largestBatch = Math.max(this.#stats.largestBatch, done.length);
    for (const outcome of done)
      if (outcome.ok) outcome.job.resolve(outcome.value);
      else outcome.job.reject(outcome.error);
  }

  /**
   * One use case in a savepoint. Its outcome, or undefined when it went back to the queue (busy),
   * or 'lost' when SQLite ended the whole transaction under it (then it has been settled).
   */
  async #runOne(job: Job, trx: Tx): Promise<Outcome | undefined | 'lost'> {
    this.#savepoint.run();
    try {
      const value = await job.work(trx);
      this.#release.run();
      return { job, ok: true, value };
    } catch (error) {
      if (!this.#sqlite.inTransaction) {
        if (isBusy(error) && job.attempt < limits.txRetriesMax) {
          job.attempt++;
          this.#queue.unshift(job);
        } else job.reject(error);
        return 'lost';
      }
      this.#rollbackTo.run();
      this.#release.run();
      if (isBusy(error) && job.attempt < limits.txRetriesMax) {
        job.attempt++;
        this.#queue.push(job);
        return undefined;
      }
      return { job, ok: false, error };
    }
  }

  #requeue(done: Outcome[]): void {
    const again: Job[] = [];
    for (const { job } of done) {
      if (job.attempt >= limits.txRetriesMax) {
        job.reject(new Error('group commit: the transaction was rolled back by SQLite too often'));
        continue;
      }
      job.attempt++;
      again.push(job);
    }
    this.#queue.unshift(...again);
  }
}

/**
 * The dialect of a group-committing SQLite store: every transaction begins IMMEDIATE, so a batch
 * holds the write lock from its start and no use case inside it can meet SQLITE_BUSY half way
 * (several processes may share the file). The lock is waited for without blocking the event
 * loop: `busy_timeout` is set to 0 for the BEGIN, retried with a short sleep up to `waitMsMax`.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #sqlite: SQLite.Database;
  readonly #waitMsMax: number;

  constructor(config: SqliteDialectConfig, sqlite: SQLite.Database, waitMsMax: number) {
    super(config);
    this.#config = config;
    this.#sqlite = sqlite;
    this.#waitMsMax = waitMsMax;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#sqlite, this.#waitMsMax);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #sqlite: SQLite.Database;
  readonly #waitMsMax: number;
  #begin: SQLite.Statement | undefined;

  constructor(config: SqliteDialectConfig, sqlite: SQLite.Database, waitMsMax: number) {
    super(config);
    this.#sqlite = sqlite;
    this.#waitMsMax = waitMsMax;
  }

  override async beginTransaction(_connection: DatabaseConnection): Promise<void> {
    this.#begin ??= this.#sqlite.prepare('begin immediate');
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      this.#sqlite.pragma('busy_timeout = 0');
      try {
        this.#begin.run();
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() - started >= this.#waitMsMax) throw error;
      } finally {
        this.#sqlite.pragma(`busy_timeout = ${this.#waitMsMax}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, attempt * 2) * (0.5 + Math.random())));
    }
  }
}
