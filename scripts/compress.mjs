// Writes a brotli (.br) and a gzip (.gz) twin beside each text file of a build, so the gateway
// sends compressed bytes without compressing on every request (web/cabinet.ts serves the twin
// a client accepts: @fastify/static's preCompressed). Once per build; a twin that is not
// smaller than its file is not written.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const compressible = new Set([
  '.js',
  '.mjs',
  '.css',
  '.html',
  '.svg',
  '.json',
  '.txt',
  '.xml',
  '.webmanifest',
]);
const sizeBytesMin = 1024;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Compresses every text file of `dir` over 1 KiB; returns how many twins were written. */
export function writeCompressedTwins(dir) {
  let written = 0;
  for (const path of files(dir)) {
    if (!compressible.has(extname(path)) || statSync(path).size < sizeBytesMin) continue;
    const bytes = readFileSync(path);
    const br = brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    });
    const gz = gzipSync(bytes, { level: 9 });
    if (br.length < bytes.length) {
      writeFileSync(`${path}.br`, br);
      written++;
    }
    if (gz.length < bytes.length) {
      writeFileSync(`${path}.gz`, gz);
      written++;
    }
  }
  return written;
}
