import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { type CatchAllSmtp, startCatchAllSmtp } from '../../src/delivery/email/catch-all.ts';
import {
  checkMessage,
  type EmailMessage,
  emailLimits,
  emailNotification,
  messageOfPayload,
  newMessageId,
} from '../../src/delivery/email/message.ts';
import { emailFromEnvironment } from '../../src/delivery/email/setup.ts';
import { routeFromUrl, type SmtpRoute, sendOverSmtp, smtpFailureOf } from '../../src/delivery/email/smtp.ts';
import { inboxView, isLoopback } from '../../src/web/dev-inbox.ts';

const message = (more: Partial<EmailMessage> = {}): EmailMessage => ({
  to: 'payer@example.ru',
  subject: 'Счёт на оплату',
  html: '<p>Счёт</p>',
  text: 'Счёт',
  messageId: newMessageId('kopek.test'),
  date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  ...more,
});

describe('SMTP route from a URL', () => {
  it('reads smtps with a login, a percent-encoded password and port 465 by default', () => {
    const route = routeFromUrl('smtps://shop%40mail.ru:p%40ss%3Aw0rd@smtp.mail.ru', 'shop@mail.ru');
    assert.deepEqual(
      { ...route, password: route.password?.reveal() },
      {
        host: 'smtp.mail.ru',
        port: 465,
        security: 'tls',
        login: 'shop@mail.ru',
        password: 'p@ss:w0rd',
        from: 'shop@mail.ru',
      },
    );
    assert.ok(!JSON.stringify(route).includes('p@ss'), 'the password masks itself');
  });

  it('reads smtp with STARTTLS options, 587 by default, and the sender from the URL', () => {
    assert.deepEqual(routeFromUrl('smtp://relay.local?from=noreply@kopek.ru'), {
      host: 'relay.local',
      port: 587,
      security: 'opportunistic',
      from: 'noreply@kopek.ru',
    });
    assert.equal(routeFromUrl('smtp://h:25?requireTLS=true&from=a@b.ru').security, 'starttls');
    assert.equal(routeFromUrl('smtp://h:25?ignoreTLS=true&from=a@b.ru').security, 'none');
    assert.equal(routeFromUrl('smtp://h:2525?from=a@b.ru').port, 2525);
  });

  it('refuses what it cannot send with, without echoing the password', () => {
    assert.throws(() => routeFromUrl('http://h?from=a@b.ru'), /smtp:\/\/ or smtps:\/\//);
    assert.throws(() => routeFromUrl('not a url'), /not a URL/);
    assert.throws(() => routeFromUrl('smtp://h'), /sender address/);
    assert.throws(() => routeFromUrl('smtp://h?from=nobody'), /sender address/);
    assert.throws(
      () => routeFromUrl('smtp://h?secure=1&from=a@b.ru'),
      /unknown or conflicting option secure/,
    );
    assert.throws(() => routeFromUrl('smtps://h?ignoreTLS=true&from=a@b.ru'), /conflicting/);
    assert.throws(
      () => routeFromUrl('ftp://u:secret-pw@h'),
      (e: Error) => !e.message.includes('secret-pw'),
    );
  });
});

describe('SMTP failures sorted into temporary and permanent', () => {
  const cases: [string, object, boolean, string][] = [
    [
      '550 on RCPT',
      { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 no such user' },
      true,
      'RCPT TO refused: 550 5.1.1 no such user',
    ],
    [
      '554 on DATA',
      { code: 'EMESSAGE', responseCode: 554, command: 'DATA', response: '554 spam' },
      true,
      'DATA refused: 554 spam',
    ],
    [
      '451 on RCPT',
      { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO', response: '451 greylisted' },
      false,
      'RCPT TO refused: 451 greylisted',
    ],
    [
      '421 on connect',
      { code: 'EPROTOCOL', responseCode: 421, response: '421 too busy' },
      false,
      'SMTP refused: 421 too busy',
    ],
    [
      '535 login refused',
      { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', response: '535 bad credentials' },
      false,
      'AUTH PLAIN refused: 535 bad credentials',
    ],
    [
      'a refused connection',
      { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:1' },
      false,
      'ESOCKET: connect ECONNREFUSED 127.0.0.1:1',
    ],
    [
      'a silent server',
      { code: 'ETIMEDOUT', message: 'Greeting never received' },
      false,
      'ETIMEDOUT: Greeting never received',
    ],
    [
      'an envelope bad before sending',
      { code: 'EENVELOPE', message: 'No recipients defined' },
      true,
      'No recipients defined',
    ],
    ['the worker’s deadline', { code: 'EABORT', message: 'aborted' }, false, 'timeout'],
  ];
  for (const [name, error, permanent, reason] of cases)
    it(name, () => {
      const failure = smtpFailureOf(error);
      assert.equal(failure.permanent, permanent);
      assert.equal(failure.reason, reason);
    });
});

describe('a message', () => {
  it('passes the rules and travels through an outbox payload unchanged', () => {
    const m = message({ toName: 'Иван', fromName: 'ООО «Ромашка»', replyTo: 'help@shop.ru' });
    const n = emailNotification(m);
    assert.equal(n.channel, 'email');
    assert.deepEqual(messageOfPayload(JSON.parse(JSON.stringify(n.payload))), m);
  });

  it('refuses a header injection, a bad address, and each bound crossed by one', () => {
    assert.equal(checkMessage(message({ subject: 'a\r\nBcc: x@y.ru' }))?.field, 'subject');
    assert.equal(checkMessage(message({ fromName: 'a\nb' }))?.field, 'fromName');
    assert.equal(checkMessage(message({ to: 'a@b.ru, c@d.ru' }))?.field, 'to');
    assert.equal(checkMessage(message({ to: 'not-an-address' }))?.field, 'to');
    assert.equal(checkMessage(message({ messageId: 'no-brackets@x' }))?.field, 'messageId');
    const max = emailLimits.subjectLengthMax;
    assert.equal(checkMessage(message({ subject: 'я'.repeat(max) })), undefined);
    assert.equal(checkMessage(message({ subject: 'я'.repeat(max + 1) }))?.field, 'subject');
    assert.equal(checkMessage(message({ text: 'x'.repeat(emailLimits.partLengthMax) })), undefined);
    assert.equal(checkMessage(message({ html: 'x'.repeat(emailLimits.partLengthMax + 1) }))?.field, 'html');
    assert.throws(() => emailNotification(message({ to: 'bad' })), /e-mail to/);
    assert.deepEqual(messageOfPayload({ to: 'a@b.ru' }), { field: 'subject', problem: 'missing' });
  });
});

describe('sending with bounded waits', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  before(async () => {
    // Accepts the connection and never greets.
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const silentRoute = (): SmtpRoute => ({
    host: '127.0.0.1',
    port: (silent.address() as { port: number }).port,
    security: 'none',
    from: 'a@kopek.test',
  });

  it('gives up on a server that never greets, as a temporary failure', async () => {
    const error = await sendOverSmtp(silentRoute(), message(), { timeoutMs: 200 }).catch((e: unknown) => e);
    const failure = smtpFailureOf(error);
    assert.equal(failure.permanent, false);
    assert.match(failure.reason, /ETIMEDOUT/);
  });

  it('stops when the worker’s deadline passes', async () => {
    const controller = new AbortController();
    const sending = sendOverSmtp(silentRoute(), message(), { signal: controller.signal, timeoutMs: 60_000 });
    controller.abort();
    assert.deepEqual(smtpFailureOf(await sending.catch((e: unknown) => e)), {
      permanent: false,
      reason: 'timeout',
    });
  });
});

describe('catch-all server and its inbox view', () => {
  let smtp: CatchAllSmtp;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopek-mail-'));
    smtp = await startCatchAllSmtp({ dir, messagesMax: 2 });
  });
  after(async () => {
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const route = (): SmtpRoute => ({ ...routeFromUrl(smtp.url, 'shop@kopek.test'), security: 'none' });

  it('listens on loopback only, keeps .eml files, and keeps only the newest messages', async () => {
    assert.match(smtp.url, /^smtp:\/\/127\.0\.0\.1:\d+$/);
    for (const n of [1, 2, 3]) await sendOverSmtp(route(), message({ subject: `письмо ${n}` }));
    assert.deepEqual(
      smtp.messages().map((m) => [m.id, m.parsed.subject]),
      [
        [2, 'письмо 2'],
        [3, 'письмо 3'],
      ],
    );
    assert.equal(smtp.message(1), undefined);
    assert.equal(
      readFileSync(join(dir, '3.eml')).toString('latin1'),
      smtp.message(3)?.raw.toString('latin1'),
    );
  });

  it('shows the inbox escaped, each message with its parts, and nothing to a non-loopback client', async () => {
    smtp.clear();
    await sendOverSmtp(
      route(),
      message({
        subject: '<script>alert(1)</script> Счёт',
        html: '<p onclick="x()">Оплатить "сейчас"</p><script>steal()</script>',
        text: 'a < b & c',
      }),
    );
    const [m] = smtp.messages();
    assert.ok(m);
    const app = Fastify();
    await app.register(inboxView, { prefix: '/dev/inbox', inbox: smtp });
    try {
      const list = await app.inject({ url: '/dev/inbox/' });
      assert.equal(list.statusCode, 200);
      assert.ok(!list.body.includes('<script>'), 'the subject is escaped');
      assert.ok(list.body.includes('&lt;script&gt;alert(1)&lt;/script&gt; Счёт'));
      assert.ok(list.body.includes(`href="/dev/inbox/${m.id}"`));
      assert.match(String(list.headers['content-security-policy']), /default-src 'none'/);

      const one = await app.inject({ url: `/dev/inbox/${m.id}` });
      assert.equal(one.statusCode, 200);
      assert.ok(!one.body.includes('<script>'), 'nothing from the message runs');
      assert.match(one.body, /<pre>a &lt; b &amp; c\n?<\/pre>/);
      assert.match(one.body, /<iframe sandbox="" srcdoc="[^"]*&lt;p onclick=&quot;x\(\)&quot;&gt;/);
      assert.ok(one.body.includes('shop@kopek.test → payer@example.ru'));

      const rawView = await app.inject({ url: `/dev/inbox/${m.id}/raw` });
      assert.equal(rawView.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(rawView.body, m.raw.toString());

      assert.equal((await app.inject({ url: '/dev/inbox/999' })).statusCode, 404);
      assert.equal((await app.inject({ url: '/dev/inbox/..%2F' })).statusCode, 404);
      const remote = await app.inject({
        url: '/dev/inbox/',
        remoteAddress: '10.0.0.5',
        headers: { 'x-forwarded-for': '127.0.0.1' },
      });
      assert.equal(remote.statusCode, 404);
      assert.ok(!remote.body.includes('Счёт'));
    } finally {
      await app.close();
    }
  });

  it('tells loopback addresses from others', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])
      assert.equal(isLoopback(a), true, a);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', '::', undefined, '128.0.0.1'])
      assert.equal(isLoopback(a), false, String(a));
  });
});

describe('e-mail from the environment', () => {
  it('sends into a local catch-all server when SMTP_URL is not set', async () => {
    const setup = await emailFromEnvironment({}, { defaultFrom: 'noreply@kopek.test' });
    try {
      assert.ok(setup.inbox);
      assert.equal(setup.delivery.route.host, '127.0.0.1');
      assert.equal(setup.delivery.route.port, setup.inbox.port);
      assert.equal(setup.delivery.route.from, 'noreply@kopek.test');
      await sendOverSmtp({ ...setup.delivery.route, security: 'none' }, message());
      assert.equal(setup.inbox.messages().length, 1);
    } finally {
      await setup.close();
    }
  });

  it('uses SMTP_URL when set, with SMTP_FROM over the URL’s sender', async () => {
    const setup = await emailFromEnvironment(
      { SMTP_URL: 'smtps://u:p@smtp.example.ru?from=a@example.ru', SMTP_FROM: 'b@example.ru' },
      { defaultFrom: 'noreply@kopek.test' },
    );
    assert.equal(setup.inbox, undefined);
    await assert.rejects(
      emailFromEnvironment({ SMTP_URL: 'smtp//u:hunter2@host' }, { defaultFrom: 'x@y.ru' }),
      (e: Error) =>
        /not a URL/.test(e.message) && !JSON.stringify({ ...e, m: e.message }).includes('hunter2'),
    );
    assert.equal(setup.delivery.route.host, 'smtp.example.ru');
    assert.equal(setup.delivery.route.from, 'b@example.ru');
    assert.equal(
      (await emailFromEnvironment({ SMTP_URL: 'smtp://h?from=a@example.ru' }, { defaultFrom: 'x@y.ru' }))
        .delivery.route.from,
      'a@example.ru',
    );
  });
});
