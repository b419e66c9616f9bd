import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parsePhpForm } from './form.ts';
import { readJson } from './json.ts';
import { type Multipart, parseMultipart } from './multipart.ts';

/**
 * Request bodies as a dialect's clients send them. The bytes are read once and kept
 * (`rawBodyOf`, for signatures over the body, ImPay's); what they are is told by the
 * Content-Type, and the dialect decides which kinds it takes and how it refuses the rest.
 */

export type Body =
  | { kind: 'empty' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; value: Record<string, unknown> }
  | { kind: 'multipart'; value: Multipart }
  /** Of a type the kit does not read (XML, text): the raw bytes are all there is. */
  | { kind: 'other' }
  /** Claims JSON or multipart and is not. */
  | { kind: 'malformed'; claimed: 'json' | 'multipart' };

export type BodyOptions = {
  /**
   * Read a body that looks like JSON (`{`, `[`) as JSON whatever its type says, as PHP
   * services do with `php://input`: PHP's curl labels a JSON body as a form by default.
   */
  sniffJson?: boolean;
  /** How an urlencoded body is read: PHP's way (form.ts) unless a dialect pins another. */
  parseForm?: (text: string) => Record<string, unknown>;
};

/** What `raw` holds, by its Content-Type. Whitespace alone is empty. */
export async function readBody(raw: Buffer, contentType: string, options: BodyOptions = {}): Promise<Body> {
  const type = contentType.toLowerCase();
  const text = raw.toString('utf8').trim();
  if (text === '') return { kind: 'empty' };
  if (type.includes('json') || (options.sniffJson && (text.startsWith('{') || text.startsWith('[')))) {
    try {
      return { kind: 'json', value: readJson(text) };
    } catch {
      return { kind: 'malformed', claimed: 'json' };
    }
  }
  if (type.startsWith('multipart/form-data')) {
    const value = await parseMultipart(raw, contentType);
    return value ? { kind: 'multipart', value } : { kind: 'malformed', claimed: 'multipart' };
  }
  if (type.startsWith('application/x-www-form-urlencoded'))
    return { kind: 'form', value: (options.parseForm ?? parsePhpForm)(text) };
  return { kind: 'other' };
}

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/** The bytes of a request's body as received; empty when it had none. */
export const rawBodyOf = (req: FastifyRequest): Buffer => rawBodies.get(req) ?? Buffer.alloc(0);

/**
 * Makes `app` (a dialect's encapsulated plugin) read every body with `readBody`, keep its
 * bytes, and hand `accept` what it found: `accept` returns `req.body`, or throws the
 * dialect's own refusal (rendered by its error handler).
 */
export function useBodyReader(
  app: FastifyInstance,
  options: BodyOptions & {
    bodyBytesMax: number;
    accept: (body: Body, req: FastifyRequest) => unknown;
  },
): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyBytesMax }, (req, raw, done) => {
    const bytes = raw as Buffer;
    rawBodies.set(req, bytes);
    readBody(bytes, String(req.headers['content-type'] ?? ''), options).then(
      (body) => {
        try {
          done(null, options.accept(body, req));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
      (error: Error) => done(error, undefined),
    );
  });
}

/** Reads the body of a request Fastify leaves unread (a GET), up to `bytesMax`; null when larger. */
export async function readUnparsedBody(req: FastifyRequest, bytesMax: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw as AsyncIterable<Buffer | string>) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += bytes.length;
    if (size > bytesMax) return null;
    chunks.push(bytes);
  }
  const raw = Buffer.concat(chunks);
  rawBodies.set(req, raw);
  return raw;
}
