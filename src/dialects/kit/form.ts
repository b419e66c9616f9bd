/**
 * HTML forms and query strings read as PHP reads them into $_GET / $_POST, since the
 * providers we imitate are PHP and their clients send what PHP understands: `a[]=1&a[]=2` is
 * a list, `a[0]=x` and `a[k]=y` nest, a bare repeated key keeps its last value, `a` alone
 * (no `=`) is `''`, spaces and dots of a top-level name become `_`. A PHP array whose keys
 * are 0…n-1 in order becomes a JS array (as json_encode would write it), any other an object.
 */

/** PHP's `max_input_nesting_level`: a deeper name is dropped whole. */
const nestingMax = 64;

/** A PHP array while it is being filled: keys in insertion order, and the next free index. */
type PhpArray = { map: Map<string, PhpValue>; next: number };
type PhpValue = string | PhpArray;

const newArray = (): PhpArray => ({ map: new Map(), next: 0 });

/** `name[a][][b]` → `['name', 'a', '', 'b']`, as php_register_variable_ex splits it; null: dropped. */
export function phpPath(name: string): string[] | null {
  const trimmed = name.replace(/^ +/, '');
  let bracket = trimmed.indexOf('[');
  let base = bracket === -1 ? trimmed : trimmed.slice(0, bracket);
  let rest = bracket === -1 ? '' : trimmed.slice(bracket);
  if (bracket !== -1 && !rest.includes(']')) {
    // an unmatched `[` is a name character, turned into `_` like spaces and dots
    base = `${base}_${rest.slice(1)}`;
    rest = '';
    bracket = -1;
  }
  base = base.replace(/[ .]/g, '_');
  if (base === '') return null;
  const path = [base];
  while (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) break; // PHP stops reading indexes at the first unclosed one
    path.push(rest.slice(1, close).replace(/^[ \t\r\n]+/, ''));
    rest = rest.slice(close + 1);
    if (path.length - 1 > nestingMax) return null;
  }
  return path;
}

const isIndex = (key: string) => /^(0|-?[1-9]\d{0,15})$/.test(key);

/** Sets one form value the way PHP does: later values overwrite, `[]` appends. */
function assign(root: PhpArray, path: readonly string[], value: string): void {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    let key = path[i]!;
    if (i > 0 && key === '') key = String(node.next);
    if (isIndex(key) && Number(key) >= node.next) node.next = Number(key) + 1;
    if (i === path.length - 1) {
      node.map.set(key, value);
      return;
    }
    const child = node.map.get(key);
    if (typeof child === 'object') node = child;
    else {
      const fresh = newArray();
      node.map.set(key, fresh);
      node = fresh;
    }
  }
}

function toPlain(array: PhpArray): unknown[] | Record<string, unknown> {
  const keys = [...array.map.keys()];
  const isList = keys.every((key, at) => key === String(at));
  const convert = (v: PhpValue): unknown => (typeof v === 'string' ? v : toPlain(v));
  if (isList) return [...array.map.values()].map(convert);
  const object: Record<string, unknown> = {};
  // defined, not assigned: `__proto__` is then a field like any other, never the prototype
  for (const [key, v] of array.map)
    Object.defineProperty(object, key, {
      value: convert(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return object;
}

/** Names and values (already decoded) nested as PHP nests them. */
export function nestPhp(entries: Iterable<readonly [string, string]>): Record<string, unknown> {
  const root = newArray();
  for (const [name, value] of entries) {
    const path = phpPath(name);
    if (path) assign(root, path, value);
  }
  const plain = toPlain(root);
  return Array.isArray(plain) ? { ...plain } : plain; // the top level is an object, even for `0=a`
}

/** `+` is a space, `%XX` a byte; the bytes read as UTF-8 (a bad sequence is U+FFFD, as URLSearchParams). */
const decode = (text: string): string => {
  if (!/[%+]/.test(text)) return text;
  const raw = Buffer.from(text.replaceAll('+', ' '), 'utf8');
  const bytes = Buffer.alloc(raw.length);
  let length = 0;
  const hex = (byte: number | undefined) =>
    byte !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(byte));
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25 && hex(raw[i + 1]) && hex(raw[i + 2])) {
      bytes[length++] = Number.parseInt(raw.subarray(i + 1, i + 3).toString('latin1'), 16);
      i += 2;
    } else bytes[length++] = raw[i]!;
  }
  return bytes.subarray(0, length).toString('utf8');
};

/** The pairs of `a=1&b&c=` as PHP's parser sees them: `b` is `''`; empty names are skipped. */
export function formPairs(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decode(eq === -1 ? part : part.slice(0, eq));
    if (name === '') continue;
    pairs.push([name, eq === -1 ? '' : decode(part.slice(eq + 1))]);
  }
  return pairs;
}

/** An urlencoded body or a query string, as PHP's $_POST / $_GET. */
export const parsePhpForm = (text: string): Record<string, unknown> => nestPhp(formPairs(text));

/**
 * PHP's $_REQUEST for a POST (request_order "GP"): the query's fields, overwritten by the
 * body's of the same top-level name.
 */
export const mergeRequest = (
  query: Record<string, unknown>,
  body: Record<string, unknown>,
): Record<string, unknown> => ({ ...query, ...body });
