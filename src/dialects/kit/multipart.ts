import { Busboy } from '@fastify/busboy';
import { nestPhp } from './form.ts';

/**
 * `multipart/form-data` read from a body's bytes already in hand (its size is bounded by the
 * body limit): fields nested as PHP nests them (form.ts), files kept whole with their names.
 * A part cut by a bound is a refusal, never a silently shortened value.
 */

export type MultipartFile = { field: string; filename: string; mimeType: string; bytes: Buffer };
export type Multipart = { fields: Record<string, unknown>; files: MultipartFile[] };

const bounds = { fieldNameBytesMax: 1024, partsMax: 1000 } as const;

export function parseMultipart(raw: Buffer, contentType: string): Promise<Multipart | null> {
  return new Promise((resolve) => {
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: { 'content-type': contentType },
        limits: { fieldNameSize: bounds.fieldNameBytesMax, fieldSize: raw.length, parts: bounds.partsMax },
      });
    } catch {
      return resolve(null); // not multipart, or no boundary
    }
    const pairs: [string, string][] = [];
    const files: MultipartFile[] = [];
    let refused = false;
    const refuse = () => {
      refused = true;
    };
    parser.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (nameTruncated || valueTruncated) refuse();
      else pairs.push([name, value]);
    });
    parser.on('file', (field, stream, filename, _encoding, mimeType) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', refuse);
      stream.on('end', () => files.push({ field, filename, mimeType, bytes: Buffer.concat(chunks) }));
    });
    parser.on('partsLimit', refuse);
    parser.on('error', () => resolve(null));
    parser.on('finish', () => resolve(refused ? null : { fields: nestPhp(pairs), files }));
    parser.end(raw);
  });
}
