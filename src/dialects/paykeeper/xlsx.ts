import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { pkAmount } from './amounts.ts';
import { printPkDatetime } from './dates.ts';

/**
 * The payment history as an XLSX workbook (spec 8.1), with the columns the cabinet's registry
 * shows. Amounts are numbers with the format `0.00`, made from the exact decimal text of the
 * minor units (never minor / 100 in floating point); datetimes are Excel dates showing
 * Moscow wall time, as every PayKeeper datetime does. Two writers share the columns: a
 * workbook in memory for a page (8.1, at most 1000 rows), and a streaming one that writes row
 * by row into a stream for an export of any size.
 */

/** One row of the export, in the facts the routes have (documents.ts's facts, named here). */
export type ExportRow = {
  id: bigint;
  createdAt: Date;
  amountMinor: bigint;
  refundedMinor: bigint;
  clientid: string | null;
  orderid: string | null;
  /** The payment system as the cabinet names it (`site_description`). */
  system: string;
  /** PayKeeper's status word (map.ts). */
  status: string;
};

export const sheetName = 'Платежи';

export const exportColumns = [
  { header: 'Номер платежа', key: 'id', width: 16, numFmt: '0' },
  { header: 'Дата и время', key: 'datetime', width: 20, numFmt: 'yyyy-mm-dd hh:mm:ss' },
  { header: 'Сумма', key: 'amount', width: 14, numFmt: '0.00' },
  { header: 'Возвращено', key: 'refunded', width: 14, numFmt: '0.00' },
  { header: 'Идентификатор плательщика', key: 'clientid', width: 28 },
  { header: 'Номер заказа', key: 'orderid', width: 22 },
  { header: 'Платёжная система', key: 'system', width: 24 },
  { header: 'Статус', key: 'status', width: 20 },
] as const;

/** The largest integer Excel keeps exactly (15 significant digits); a longer id stays text. */
const excelIntegerMax = 999_999_999_999_999n;

/**
 * An instant as the Date whose UTC fields are Moscow's wall clock at that instant: Excel has
 * no time zones, and exceljs writes a Date by its UTC fields.
 */
export function moscowWallClock(at: Date): Date {
  const ms = at.getTime();
  const hour = Math.floor(ms / hourMs);
  // a zone changes its offset on an hour at most, and exported rows come in time order
  if (hour !== offsetOf.hour) {
    const start = new Date(hour * hourMs);
    offsetOf.hour = hour;
    offsetOf.ms = Date.parse(`${printPkDatetime(start).replace(' ', 'T')}Z`) - start.getTime();
  }
  // whole seconds, as printPkDatetime shows them
  return new Date(Math.floor(ms / 1000) * 1000 + offsetOf.ms);
}
const hourMs = 3_600_000;
const offsetOf = { hour: Number.NaN, ms: 0 };

/** Minor units as the number Excel shows with two decimals, parsed from the exact decimal text. */
export const amountCell = (minor: bigint): number => Number(pkAmount.print(minor));

function cellsOf(r: ExportRow) {
  return {
    id: r.id <= excelIntegerMax ? Number(r.id) : r.id.toString(),
    datetime: moscowWallClock(r.createdAt),
    amount: amountCell(r.amountMinor),
    refunded: amountCell(r.refundedMinor),
    clientid: r.clientid,
    orderid: r.orderid,
    system: r.system,
    status: r.status,
  };
}

const columnsFor = () =>
  exportColumns.map((c) => ({
    header: c.header,
    key: c.key,
    width: c.width,
    ...('numFmt' in c ? { style: { numFmt: c.numFmt } } : {}),
  }));

function setUp(sheet: ExcelJS.Worksheet): void {
  sheet.columns = columnsFor();
  sheet.getRow(1).font = { bold: true };
}

/** A page of payments (8.1) as an XLSX file in memory. */
export async function paymentsWorkbook(rows: readonly ExportRow[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Kopek';
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  setUp(sheet);
  for (const r of rows) sheet.addRow(cellsOf(r));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * Pages of payments written into `target` as one XLSX file, row by row: each row is committed
 * (exceljs then holds no more of it), and after each page the writer waits while `target` is
 * full, so memory stays that of a page whatever the number of rows. Returns the rows written.
 */
export async function streamPaymentsWorkbook(
  target: Writable,
  pages: AsyncIterable<readonly ExportRow[]>,
): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: target,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = 'Kopek';
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  setUp(sheet);
  sheet.getRow(1).commit();
  let written = 0;
  for await (const page of pages) {
    for (const r of page) sheet.addRow(cellsOf(r)).commit();
    written += page.length;
    // exceljs hands the sheet's XML to its zip writer without waiting for it: wait here while
    // the zip has more than a few pages to compress, or the reply more than it can send
    // Also let the event loop turn: the zip's compression completes in callbacks, and a
    // database driver that answers synchronously (SQLite) would otherwise starve it.
    await new Promise((resolve) => setImmediate(resolve));
    while ((backlogOf(sheet) ?? 0) > backlogBytesMax && !target.destroyed) await pause(2);
    if (target.writableNeedDrain) await drainOf(target);
    if (target.destroyed) throw new Error('the export stream was closed before the file was complete');
  }
  sheet.commit();
  await workbook.commit();
  return written;
}

const backlogBytesMax = 1 << 20;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The sheet's XML written and not yet taken by the zip writer, in bytes: exceljs's worksheet
 * stream (a StreamBuf) writes to the zip's input without heeding its answer, so the bytes
 * queue in that input. Read from exceljs's internals; null when they are not as expected
 * (another exceljs version), and then the reply's own backpressure is all there is.
 */
function backlogOf(sheet: unknown): number | null {
  const pipes = (sheet as { stream?: { pipes?: unknown[] } }).stream?.pipes;
  const input = Array.isArray(pipes)
    ? (pipes[0] as { writableLength?: unknown; _writableState?: { length?: unknown } } | undefined)
    : undefined;
  // archiver's streams (readable-stream 2) have no writableLength; their state has the length
  const length = input?.writableLength ?? input?._writableState?.length;
  return typeof length === 'number' ? length : null;
}

/** Resolves when `stream` drains or closes, and leaves no listener behind. */
function drainOf(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
