import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import smtpServer, { type SMTPServerSession } from 'smtp-server';

/**
 * A local SMTP server that accepts every message (any login, any recipient) and keeps it, for
 * development and tests: `npm start` sends here when no `SMTP_URL` is set, tests read what
 * the gateway really sent. Loopback only unless told otherwise; never a relay.
 */
export type CaughtMessage = {
  /** 1, 2, 3 … in order of arrival. */
  id: number;
  receivedAt: Date;
  /** The login the client gave, if it logged in (which route sent it). */
  login?: string;
  envelope: { from: string; to: string[] };
  /** The message as it came over the wire. */
  raw: Buffer;
  parsed: ParsedMail;
};

/** A scripted refusal of RCPT TO, to try a sender's retries: 4xx passes, 5xx is final. */
export type Refusal = { to: string; code: number; message?: string; times?: number };

export type CatchAllSmtp = {
  /** `smtp://127.0.0.1:<port>`: what `SMTP_URL` would be. */
  url: string;
  port: number;
  messages(): readonly CaughtMessage[];
  message(id: number): CaughtMessage | undefined;
  /** Refuses that recipient with the code, `times` times (for ever when not given). */
  refuse(refusal: Refusal): void;
  clear(): void;
  close(): Promise<void>;
};

export type CatchAllOptions = {
  /** 0 (the default) takes any free port. */
  port?: number;
  /** 127.0.0.1 unless set: the inbox holds whatever was sent, payers' e-mails included. */
  host?: string;
  /** Also write each message as `<id>.eml` here. */
  dir?: string;
  /** The oldest messages are dropped beyond this many (memory stays bounded in a long dev run). */
  messagesMax?: number;
  /** Largest message accepted, in bytes. */
  sizeBytesMax?: number;
};

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

export async function startCatchAllSmtp(options: CatchAllOptions = {}): Promise<CatchAllSmtp> {
  const host = options.host ?? '127.0.0.1';
  const messagesMax = options.messagesMax ?? 1000;
  const sizeBytesMax = options.sizeBytesMax ?? 10 << 20;
  if (options.dir) await mkdir(options.dir, { recursive: true });
  let caught: CaughtMessage[] = [];
  let refusals: Refusal[] = [];
  let lastId = 0;

  const server = new smtpServer.SMTPServer({
    name: 'kopek-catch-all',
    banner: 'Kopek catch-all SMTP: nothing leaves this machine',
    // No certificate to offer; the client stays on plain text, which loopback makes harmless.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    size: sizeBytesMax,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? '' });
    },
    onRcptTo(address, _session, callback) {
      const rule = refusals.find((r) => r.to.toLowerCase() === address.address.toLowerCase());
      if (!rule) return callback();
      if (rule.times !== undefined && --rule.times <= 0) refusals = refusals.filter((r) => r !== rule);
      callback(smtpError(rule.code, rule.message ?? `refused by the catch-all for ${address.address}`));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded)
          return callback(smtpError(552, 'message exceeds the size limit'));
        const raw = Buffer.concat(chunks);
        void keep(raw, session).then(
          () => callback(),
          (error: unknown) => callback(smtpError(451, `could not keep the message: ${String(error)}`)),
        );
      });
    },
  });

  const keep = async (raw: Buffer, session: SMTPServerSession) => {
    const parsed = await simpleParser(raw);
    const id = ++lastId;
    const mailFrom = session.envelope.mailFrom;
    const message: CaughtMessage = {
      id,
      receivedAt: new Date(),
      envelope: {
        from: mailFrom ? mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      },
      raw,
      parsed,
    };
    if (typeof session.user === 'string' && session.user !== '') message.login = session.user;
    if (options.dir) await writeFile(join(options.dir, `${id}.eml`), raw);
    caught.push(message);
    if (caught.length > messagesMax) caught = caught.slice(-messagesMax);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    messages: () => caught,
    message: (id) => caught.find((m) => m.id === id),
    refuse: (refusal) => {
      refusals.push({ ...refusal });
    },
    clear: () => {
      caught = [];
      refusals = [];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
