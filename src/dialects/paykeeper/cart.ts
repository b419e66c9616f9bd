import { parseMajor } from '../../domain/money.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { isJsonObject, JsonNumber, type JsonValue, parseExactJson } from './exact-json.ts';

/**
 * The 54-FZ receipt cart (COMPAT.md "Cart") and the `service_name` that may carry it. Lines
 * are read exactly: prices and sums as kopecks, quantities as decimal text; numbers may come
 * as JSON numbers or as strings (`"100.00"`). A failure names the line (from 1) and the
 * field, and errors.ts words it.
 */

export const cartTaxes = [
  'none',
  'vat0',
  'vat5',
  'vat7',
  'vat10',
  'vat18',
  'vat20',
  'vat22',
  'vat105',
  'vat107',
  'vat110',
  'vat118',
  'vat120',
  'vat122',
] as const;
export const cartItemTypes = [
  'goods',
  'service',
  'work',
  'excise',
  'ip',
  'payment',
  'agent',
  'property_right',
  'non_operating',
  'sales_tax',
  'resort_fee',
  'other',
] as const;
/** 54-FZ "признак способа расчёта", as PayKeeper's receipt API spells the values. */
export const cartPaymentTypes = [
  'prepay',
  'part_prepay',
  'advance',
  'full',
  'part_credit',
  'credit',
  'credit_payment',
] as const;
export type CartTax = (typeof cartTaxes)[number];
export type CartItemType = (typeof cartItemTypes)[number];
export type CartPaymentType = (typeof cartPaymentTypes)[number];

export const cartLimits = { linesMax: 100, nameLengthMax: 128, quantityDecimalsMax: 3 } as const;

export type CartLine = {
  name: string;
  priceMinor: bigint;
  /** Decimal text without trailing zeros (`"1"`, `"0.5"`); 54-FZ allows weighed goods. */
  quantity: string;
  sumMinor: bigint;
  tax: CartTax;
  itemType: CartItemType | null;
  paymentType: CartPaymentType | null;
};

export type CartProblem = {
  /** 1-based; absent for a problem of the cart as a whole. */
  line?: number;
  field?: 'name' | 'price' | 'quantity' | 'sum' | 'tax' | 'item_type' | 'payment_type';
  problem:
    | 'not_json'
    | 'empty'
    | 'too_many_lines'
    | 'not_an_object'
    | 'name_missing'
    | 'name_too_long'
    | 'number_invalid'
    | 'quantity_zero'
    | 'tax_invalid'
    | 'item_type_invalid'
    | 'payment_type_invalid'
    | 'total_mismatch';
};

/** A JSON number or a numeric string, as text; anything else is null. */
const numberText = (v: JsonValue | undefined): string | null =>
  v instanceof JsonNumber ? v.text : typeof v === 'string' ? v.trim() : null;

const oneOf = <T extends string>(values: readonly T[], v: JsonValue | undefined): T | null =>
  typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : null;

/** Quantity `"2"`, `"0.5"`, `"1.000"` → normalised text; a positive exact decimal or null. */
function quantityOf(text: string): string | null {
  const match = /^(\d{1,9})(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const whole = String(BigInt(match[1] ?? '0'));
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > cartLimits.quantityDecimalsMax) return null;
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

function lineOf(v: JsonValue, line: number): Result<CartLine, CartProblem> {
  if (!isJsonObject(v)) return fail({ line, problem: 'not_an_object' });
  const name = typeof v.name === 'string' ? v.name.trim() : '';
  if (name === '') return fail({ line, field: 'name', problem: 'name_missing' });
  if ([...name].length > cartLimits.nameLengthMax)
    return fail({ line, field: 'name', problem: 'name_too_long' });
  const money = (field: 'price' | 'sum'): Result<bigint, CartProblem> => {
    const text = numberText(v[field]);
    const parsed = text === null ? null : parseMajor(text, 'RUB');
    return parsed?.ok ? ok(parsed.value) : fail({ line, field, problem: 'number_invalid' });
  };
  const price = money('price');
  if (!price.ok) return price;
  const quantityText = numberText(v.quantity);
  const quantity = quantityText === null ? null : quantityOf(quantityText);
  if (quantity === null) return fail({ line, field: 'quantity', problem: 'number_invalid' });
  if (quantity === '0') return fail({ line, field: 'quantity', problem: 'quantity_zero' });
  const sum = money('sum');
  if (!sum.ok) return sum;
  const tax = oneOf(cartTaxes, v.tax);
  if (tax === null) return fail({ line, field: 'tax', problem: 'tax_invalid' });
  const itemType = v.item_type === undefined ? null : oneOf(cartItemTypes, v.item_type);
  if (v.item_type !== undefined && itemType === null)
    return fail({ line, field: 'item_type', problem: 'item_type_invalid' });
  const paymentType = v.payment_type === undefined ? null : oneOf(cartPaymentTypes, v.payment_type);
  if (v.payment_type !== undefined && paymentType === null)
    return fail({ line, field: 'payment_type', problem: 'payment_type_invalid' });
  return ok({ name, priceMinor: price.value, quantity, sumMinor: sum.value, tax, itemType, paymentType });
}

/**
 * A cart as it arrives: an array, or a JSON string holding one (`cart` is often encoded
 * twice, once by the shop and once more inside `service_name`). Every line is validated.
 */
export function parseCart(input: JsonValue | string): Result<CartLine[], CartProblem> {
  let value: JsonValue = input;
  // at most two layers of encoding occur; a third is refused rather than unwrapped forever
  for (let layer = 0; layer < 2 && typeof value === 'string'; layer++) {
    const parsed = parseExactJson(value);
    if (!parsed.ok) return fail({ problem: 'not_json' });
    value = parsed.value;
  }
  if (!Array.isArray(value)) return fail({ problem: 'not_json' });
  if (value.length === 0) return fail({ problem: 'empty' });
  if (value.length > cartLimits.linesMax) return fail({ problem: 'too_many_lines' });
  const lines: CartLine[] = [];
  for (const [i, v] of value.entries()) {
    const line = lineOf(v, i + 1);
    if (!line.ok) return line;
    lines.push(line.value);
  }
  return ok(lines);
}

/** The receipt must account for the payment exactly: the lines' sums add up to its amount. */
export function checkCartTotal(lines: readonly CartLine[], amountMinor: bigint): Result<void, CartProblem> {
  let total = 0n;
  for (const line of lines) total += line.sumMinor;
  return total === amountMinor ? ok(undefined) : fail({ problem: 'total_mismatch' });
}

// ---- service_name ----

export type ServiceName = {
  /** The text shown to the payer and stored as the payment's description. */
  text: string;
  userResultCallback: string | null;
  lang: string | null;
  /** Kept as received, for the receipt; numbers inside stay exact. */
  receiptProperties: JsonValue | null;
  cart: CartLine[] | null;
};

/**
 * `service_name` is plain text, or a JSON object with `service_name`, `user_result_callback`,
 * `lang`, `receipt_properties` and `cart`. Text that is not a JSON object is plain text, even
 * if it looks like JSON otherwise (a service may be named `[1]`). Only the cart can fail.
 */
export function parseServiceName(raw: string): Result<ServiceName, CartProblem> {
  const plain: ServiceName = {
    text: raw,
    userResultCallback: null,
    lang: null,
    receiptProperties: null,
    cart: null,
  };
  if (!raw.trimStart().startsWith('{')) return ok(plain);
  const parsed = parseExactJson(raw);
  if (!parsed.ok || !isJsonObject(parsed.value)) return ok(plain);
  const o = parsed.value;
  const text = (v: JsonValue | undefined) => (typeof v === 'string' ? v : null);
  let cart: CartLine[] | null = null;
  if (o.cart !== undefined && o.cart !== null && o.cart !== '') {
    const lines = parseCart(o.cart);
    if (!lines.ok) return lines;
    cart = lines.value;
  }
  return ok({
    text: text(o.service_name) ?? '',
    userResultCallback: text(o.user_result_callback),
    lang: text(o.lang),
    receiptProperties: o.receipt_properties ?? null,
    cart,
  });
}
