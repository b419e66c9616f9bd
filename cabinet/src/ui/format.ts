/**
 * Money and counts as text: the wire's "1205.98" is regrouped for the reader ("1 205,98" in
 * Russian, "1,205.98" in English) without ever becoming a floating-point number.
 */

const separators = {
  ru: { group: '\u00a0', decimal: ',' },
  en: { group: ',', decimal: '.' },
} as const;

const lang = (language: string): keyof typeof separators => (language.startsWith('ru') ? 'ru' : 'en');

function groupDigits(digits: string, separator: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += separator;
    out += digits[i];
  }
  return out;
}

/** "1205.98" → "1 205,98" / "1,205.98"; anything else is shown as it came. */
export function formatAmount(text: string | null | undefined, language: string): string {
  if (text === null || text === undefined) return '—';
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const { group, decimal } = separators[lang(language)];
  const [, sign, whole = '', fraction] = match;
  return `${sign}${groupDigits(whole, group)}${fraction !== undefined ? decimal + fraction : ''}`;
}

/** A count as digits ("1000000") → "1 000 000" / "1,000,000". */
export function formatCount(text: string | number | bigint, language: string): string {
  const digits = String(text);
  if (!/^\d+$/.test(digits)) return digits;
  return groupDigits(digits, separators[lang(language)].group);
}

/**
 * Roubles typed by a person ("150", "150.5", "150,50") → minor units, or null when not a sum.
 * BigInt all the way: comparisons against a payment's amount are exact.
 */
export function parseAmountMinor(text: string): bigint | null {
  const match = /^\s*(\d{1,13})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  const [, whole = '0', fraction = ''] = match;
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** Minor units → the wire's two-decimal text ("150.50"). */
export function printAmountMinor(minor: bigint): string {
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/**
 * A chart's amount (1.3 sends roubles as JSON numbers written digit for digit: 3200, 101.5)
 * with two decimals, as every other amount: padded as text, never rounded.
 */
export function formatChartAmount(value: unknown, language: string): string {
  const text = String(value);
  const match = /^(-?\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return text;
  const [, whole = '0', fraction = ''] = match;
  return formatAmount(`${whole}.${fraction.padEnd(2, '0')}`, language);
}
