/**
 * ISO 4217 currencies Kopek accepts, with their minor-unit exponent and numeric code.
 * Add a row to accept a new currency; nothing else needs to change.
 */
export const currencies = {
  RUB: { exponent: 2, numeric: '643' },
  USD: { exponent: 2, numeric: '840' },
  EUR: { exponent: 2, numeric: '978' },
  GBP: { exponent: 2, numeric: '826' },
  CHF: { exponent: 2, numeric: '756' },
  CNY: { exponent: 2, numeric: '156' },
  UAH: { exponent: 2, numeric: '980' },
  KZT: { exponent: 2, numeric: '398' },
  BYN: { exponent: 2, numeric: '933' },
  UZS: { exponent: 2, numeric: '860' },
  AMD: { exponent: 2, numeric: '051' },
  AZN: { exponent: 2, numeric: '944' },
  GEL: { exponent: 2, numeric: '981' },
  KGS: { exponent: 2, numeric: '417' },
  TJS: { exponent: 2, numeric: '972' },
  TRY: { exponent: 2, numeric: '949' },
  PLN: { exponent: 2, numeric: '985' },
  CZK: { exponent: 2, numeric: '203' },
  INR: { exponent: 2, numeric: '356' },
  BRL: { exponent: 2, numeric: '986' },
  JPY: { exponent: 0, numeric: '392' },
  KRW: { exponent: 0, numeric: '410' },
  VND: { exponent: 0, numeric: '704' },
  CLP: { exponent: 0, numeric: '152' },
  ISK: { exponent: 0, numeric: '352' },
  KWD: { exponent: 3, numeric: '414' },
  BHD: { exponent: 3, numeric: '048' },
  JOD: { exponent: 3, numeric: '400' },
  OMR: { exponent: 3, numeric: '512' },
  TND: { exponent: 3, numeric: '788' },
} as const satisfies Record<string, { exponent: 0 | 2 | 3; numeric: string }>;

export type Currency = keyof typeof currencies;

export function isCurrency(code: unknown): code is Currency {
  return typeof code === 'string' && Object.hasOwn(currencies, code);
}

/** Accepts `rub`, `RUB`, the numeric `"643"` and a JSON number `643`; null for anything else. */
export function parseCurrency(code: unknown): Currency | null {
  if (typeof code === 'number' && Number.isInteger(code) && code > 0 && code < 1000)
    code = String(code).padStart(3, '0');
  if (typeof code !== 'string') return null;
  const upper = code.trim().toUpperCase();
  if (isCurrency(upper)) return upper;
  for (const [alpha, info] of Object.entries(currencies))
    if (info.numeric === upper) return alpha as Currency;
  return null;
}

export const exponentOf = (currency: Currency): number => currencies[currency].exponent;
