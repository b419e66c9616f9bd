import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type CatchAllSmtp, startCatchAllSmtp } from '../../src/delivery/email/catch-all.ts';
import {
  createEmailDelivery,
  emailChannel,
  emailNotification,
  newMessageId,
  type SmtpRoute,
} from '../../src/delivery/email/index.ts';
import { scheduleBackoff } from '../../src/delivery/worker.ts';
import { formatMajor } from '../../src/domain/money.ts';
import type { Notifier } from '../../src/engine/outbox/notify.ts';
import { Secret } from '../../src/security/secret.ts';
import { testFlavors } from '../helpers/databases.ts';
import { merchant, paid } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/**
 * A paid payment whose customer has an address gets a receipt by e-mail, rendered at the
 * event: what a PayKeeper invoice or e-mail informer will do.
 */
const receiptNotifier: Notifier = (e) => {
  if (e.type !== 'payment' || e.payment.status !== 'captured' || !e.payment.customer.email) return [];
  const sum = `${formatMajor(e.payment.amountMinor, e.payment.currency)} ₽`;
  return [
    emailNotification({
      to: e.payment.customer.email,
      toName: e.payment.customer.name,
      fromName: 'ООО «Ромашка»',
      subject: `Оплата получена: ${sum} — счёт №${e.payment.id}`,
      text: `Здравствуйте!\nМы получили оплату ${sum}. Спасибо, что выбрали нас.`,
      html: `<p>Здравствуйте!</p><p>Мы получили оплату <b>${sum}</b>. Спасибо, что выбрали нас.</p>`,
      messageId: newMessageId('kopek.test'),
      date: new Date(Date.UTC(2026, 10, 23, 9, 0, 0)),
    }),
  ];
};

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

for (const flavor of await testFlavors()) {
  describe(`e-mail through the outbox on ${flavor}`, () => {
    let gw: TestGateway;
    let smtp: CatchAllSmtp;
    /** Organizations' own SMTP settings, as the settings API will keep them. */
    const ownRoutes = new Map<bigint, SmtpRoute>();
    const policy = scheduleBackoff([1000, 5000], 3);

    before(async () => {
      smtp = await startCatchAllSmtp();
      const email = createEmailDelivery({
        smtpUrl: `${smtp.url}?from=noreply@kopek.test`,
        routeFor: async (merchantId) => ownRoutes.get(merchantId),
        timeoutMs: 2000,
      });
      gw = await testGateway(flavor, {
        notifiers: [receiptNotifier],
        handlers: new Map([[email.channel, email.handler]]),
        retryPolicy: () => policy,
      });
    });
    after(async () => {
      await gw.close();
      await smtp.close();
    });
    beforeEach(() => smtp.clear());

    const emailRowOf = async (paymentId: bigint) => {
      const row = await gw.database.db
        .selectFrom('outbox')
        .selectAll()
        .where('ref_id', '=', paymentId)
        .where('channel', '=', emailChannel)
        .executeTakeFirstOrThrow();
      const attempts = await gw.database.db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where('outbox_id', '=', row.id)
        .orderBy('attempt_no')
        .execute();
      return { row, attempts };
    };

    const paidWithReceipt = async (to: string) => {
      const m = await merchant(gw.engine);
      const p = await paid(gw.engine, m, {
        amountMinor: 1_234_56n,
        customer: { name: 'Иван Петров', email: to },
      });
      return { m, p };
    };

    it('sends a Russian e-mail with both parts and correct headers, and logs the server’s answer', async () => {
      const { p } = await paidWithReceipt('ivan@example.ru');
      assert.equal(await gw.worker.runOnce(), 1);
      const [mail] = smtp.messages();
      assert.ok(mail, 'the catch-all received the message');
      const { parsed } = mail;
      assert.equal(parsed.subject, `Оплата получена: 1234.56 ₽ — счёт №${p.id}`);
      assert.deepEqual(parsed.from?.value, [{ name: 'ООО «Ромашка»', address: 'noreply@kopek.test' }]);
      const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
      assert.deepEqual(to?.value, [{ name: 'Иван Петров', address: 'ivan@example.ru' }]);
      assert.deepEqual(mail.envelope, { from: 'noreply@kopek.test', to: ['ivan@example.ru'] });
      assert.equal((parsed.headers.get('content-type') as { value: string }).value, 'multipart/alternative');
      assert.equal(
        parsed.text?.trim(),
        'Здравствуйте!\nМы получили оплату 1234.56 ₽. Спасибо, что выбрали нас.',
      );
      assert.match(String(parsed.html), /Мы получили оплату <b>1234\.56 ₽<\/b>/);
      assert.equal(parsed.date?.toISOString(), '2026-11-23T09:00:00.000Z', 'the event’s time');
      assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
      // On the wire, headers are 7-bit: Russian only as RFC 2047 encoded words.
      const head = mail.raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
      assert.ok(/^[\x20-\x7e\r\n\t]*$/.test(head), 'headers are ASCII');
      assert.match(head, /^Subject: =\?UTF-8\?/im);
      assert.match(mail.raw.toString('latin1'), /Content-Type: text\/plain; charset=utf-8/i);
      assert.match(mail.raw.toString('latin1'), /Content-Type: text\/html; charset=utf-8/i);

      const { row, attempts } = await emailRowOf(p.id);
      assert.equal(row.notice, 'delivered');
      assert.equal(parsed.messageId, JSON.parse(row.payload).messageId, 'the Message-ID given at the event');
      assert.equal(attempts.length, 1);
      assert.equal(attempts[0]?.delivered, 1n);
      assert.equal(attempts[0]?.response_status, 250n);
      assert.match(attempts[0]?.response_body ?? '', /^250 /);
    });

    it('retries a temporary refusal (451) on the schedule and sends the same message once accepted', async () => {
      await gw.worker.runOnce();
      const to = 'busy@example.ru';
      smtp.refuse({ to, code: 451, message: 'Greylisted, try later', times: 2 });
      const { p } = await paidWithReceipt(to);
      assert.equal(await gw.worker.runOnce(), 1);
      let { row, attempts } = await emailRowOf(p.id);
      assert.equal(row.notice, 'queued');
      assert.equal(row.next_attempt_at, BigInt(gw.clock.ms + 1000));
      assert.equal(attempts[0]?.response_status, 451n);
      assert.match(attempts[0]?.error ?? '', /RCPT TO refused: 451 .*Greylisted/);
      gw.clock.advance(1000);
      await gw.worker.runOnce();
      gw.clock.advance(5000);
      await gw.worker.runOnce();
      ({ row, attempts } = await emailRowOf(p.id));
      assert.equal(row.notice, 'delivered');
      assert.deepEqual(
        attempts.map((a) => [a.attempt_no, a.delivered, a.response_status]),
        [
          [1n, 0n, 451n],
          [2n, 0n, 451n],
          [3n, 1n, 250n],
        ],
      );
      assert.equal(smtp.messages().length, 1);
      assert.equal(smtp.messages()[0]?.parsed.messageId, JSON.parse(row.payload).messageId);
    });

    it('records a permanent refusal (550) as a failure at once, without retrying', async () => {
      await gw.worker.runOnce();
      const to = 'nobody@example.ru';
      smtp.refuse({ to, code: 550, message: 'No such user here' });
      const { p } = await paidWithReceipt(to);
      await gw.worker.runOnce();
      const { row, attempts } = await emailRowOf(p.id);
      assert.equal(row.notice, 'exhausted', 'dead-lettered after one attempt of three');
      assert.equal(row.attempts, 1n);
      assert.equal(attempts.length, 1);
      assert.equal(attempts[0]?.delivered, 0n);
      assert.equal(attempts[0]?.response_status, 550n);
      assert.match(attempts[0]?.error ?? '', /RCPT TO refused: 550 .*No such user here/);
      gw.clock.advance(60_000);
      assert.equal(await gw.worker.runOnce(), 0, 'never tried again');
      assert.equal(smtp.messages().length, 0);
    });

    it('retries a refused connection, and the next attempt follows the organization’s changed SMTP settings', async () => {
      await gw.worker.runOnce();
      const { m, p } = await paidWithReceipt('anna@example.ru');
      ownRoutes.set(m, {
        host: '127.0.0.1',
        port: await closedPort(),
        security: 'none',
        from: 'bills@shop.test',
      });
      await gw.worker.runOnce();
      let { row, attempts } = await emailRowOf(p.id);
      assert.equal(row.notice, 'queued', 'a connection failure is temporary');
      assert.equal(attempts[0]?.response_status, null);
      assert.match(attempts[0]?.error ?? '', /ECONNREFUSED/);

      // The organization fixes its settings: its own server (here the catch-all), login, sender.
      ownRoutes.set(m, {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'none',
        login: 'shop-login',
        password: new Secret('пароль'),
        from: 'bills@shop.test',
      });
      gw.clock.advance(1000);
      await gw.worker.runOnce();
      ({ row } = await emailRowOf(p.id));
      assert.equal(row.notice, 'delivered');
      const [mail] = smtp.messages();
      assert.equal(mail?.login, 'shop-login');
      assert.equal(mail?.envelope.from, 'bills@shop.test');
      assert.deepEqual(mail?.parsed.from?.value, [{ name: 'ООО «Ромашка»', address: 'bills@shop.test' }]);
      assert.ok(!gw.logs.join('').includes('пароль'), 'the password is never logged');
      ownRoutes.delete(m);
    });

    it('dead-letters a row whose message is malformed, naming the field', async () => {
      await gw.worker.runOnce();
      const m = await merchant(gw.engine);
      const now = BigInt(gw.clock.ms);
      const { id } = await gw.database.db
        .insertInto('outbox')
        .values({
          merchant_id: m,
          channel: emailChannel,
          event: 'test',
          ref_type: 'payment',
          ref_id: 0n,
          payload: JSON.stringify({
            to: 'x@example.ru',
            subject: 'a\r\nBcc: all@example.ru',
            html: '',
            text: '',
            messageId: '<a@b>',
            date: new Date().toISOString(),
          }),
          notice: 'queued',
          attempts: 0,
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await gw.worker.runOnce();
      const row = await gw.database.db
        .selectFrom('outbox')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.notice, 'exhausted');
      const attempt = await gw.database.db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where('outbox_id', '=', id)
        .executeTakeFirstOrThrow();
      assert.match(attempt.error ?? '', /e-mail subject/);
      assert.equal(smtp.messages().length, 0);
    });
  });
}
