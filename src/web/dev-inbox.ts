import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { CatchAllSmtp, CaughtMessage } from '../delivery/email/catch-all.ts';
import { html } from './pages/render.ts';

/**
 * The catch-all server's inbox in a browser: `GET /` lists the messages, newest first,
 * `GET /<id>` shows one (headers, the text part, the HTML part in a sandboxed frame), and
 * `GET /<id>/raw` the message as sent. Everything from a message is escaped; the frame runs
 * no script and loads nothing from outside. It answers loopback clients only unless
 * `allowRemote` is set, whatever address the app listens on: the inbox holds payers' mail.
 *
 *   app.register(inboxView, { prefix: '/dev/inbox', inbox: await startCatchAllSmtp() });
 */
export const inboxView: FastifyPluginAsync<{ inbox: CatchAllSmtp; allowRemote?: boolean }> = async (
  app,
  { inbox, allowRemote },
) => {
  // Links are absolute: `/dev/inbox` and `/dev/inbox/` both list, and a relative link differs.
  const base = app.prefix;
  app.addHook('onRequest', async (request, reply) => {
    // The socket's address, not request.ip: a forwarded-for header must not open the inbox.
    if (!allowRemote && !isLoopback(request.raw.socket.remoteAddress))
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
  });

  app.get('/', async (_request, reply) =>
    page(
      reply,
      'Inbox',
      html`<h1>Inbox (${inbox.messages().length})</h1>
<table><tr><th>#</th><th>Received</th><th>From</th><th>To</th><th>Subject</th></tr>
${[...inbox.messages()].reverse().map(
  (m) => html`<tr><td>${m.id}</td><td>${m.receivedAt.toISOString()}</td><td>${m.parsed.from?.text ?? ''}</td>
<td>${recipientsOf(m)}</td><td><a href="${`${base}/${m.id}`}">${m.parsed.subject || '(no subject)'}</a></td></tr>`,
)}</table>`,
    ),
  );

  app.get<{ Params: { id: string } }>('/:id', async (request, reply) => {
    const m = messageOf(inbox, request.params.id);
    if (!m) return reply.code(404).type('text/plain; charset=utf-8').send('No such message');
    const { parsed } = m;
    return page(
      reply,
      parsed.subject ?? 'Message',
      html`<p><a href="${`${base}/`}">Inbox</a> · <a href="${`${base}/${m.id}/raw`}">raw</a></p>
<h1>${parsed.subject ?? '(no subject)'}</h1>
<dl><dt>From</dt><dd>${parsed.from?.text ?? ''}</dd><dt>To</dt><dd>${recipientsOf(m)}</dd>
<dt>Envelope</dt><dd>${m.envelope.from} → ${m.envelope.to.join(', ')}${m.login ? ` (login ${m.login})` : ''}</dd>
<dt>Date</dt><dd>${parsed.date?.toISOString() ?? ''}</dd><dt>Message-ID</dt><dd>${parsed.messageId ?? ''}</dd></dl>
<h2>Text</h2><pre>${parsed.text ?? ''}</pre>
<h2>HTML</h2>${parsed.html ? html`<iframe sandbox="" srcdoc="${parsed.html}" title="HTML part"></iframe>` : html`<p>none</p>`}`,
    );
  });

  app.get<{ Params: { id: string } }>('/:id/raw', async (request, reply) => {
    const m = messageOf(inbox, request.params.id);
    if (!m) return reply.code(404).type('text/plain; charset=utf-8').send('No such message');
    return reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(m.raw);
  });
};

export const isLoopback = (address: string | undefined): boolean =>
  address !== undefined && (/^(::ffff:)?127\./.test(address) || address === '::1');

const messageOf = (inbox: CatchAllSmtp, id: string) =>
  /^\d{1,9}$/.test(id) ? inbox.message(Number(id)) : undefined;

const recipientsOf = (m: CaughtMessage): string => {
  const to = m.parsed.to;
  return (Array.isArray(to) ? to : to ? [to] : []).map((a) => a.text).join(', ');
};

const page = (reply: FastifyReply, title: string, body: ReturnType<typeof html>) =>
  reply
    .type('text/html; charset=utf-8')
    // The sandboxed frame inherits this: a message's remote images and scripts stay unloaded.
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    .header('x-content-type-options', 'nosniff')
    .send(
      html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px sans-serif;margin:2em}td,th{padding:.2em .6em;text-align:left}iframe{width:100%;height:30em;border:1px solid #ccc}pre{white-space:pre-wrap}</style>
</head><body>${body}</body></html>`.toString(),
    );
