import { type Static, type StringOptions, type TSchema, Type } from '@sinclair/typebox';

/**
 * Paymega's wire, spelled as Paymega spells it (shared/specs/paymega-hpp-api.txt). Each
 * schema is the request check (routes.ts), the TypeScript type, and a piece of the OpenAPI
 * document (openapi.ts). Amounts are left as "number or string" here: the one amount codec
 * (map.ts) reads them digit for digit.
 */

const FreeObject = Type.Record(Type.String(), Type.Unknown());

// ---- requests ----

/**
 * Text a request may carry: anything but NUL (U+0000). PostgreSQL's text type cannot hold it
 * ("invalid byte sequence for encoding UTF8: 0x00", a 500) where SQLite can, so it is refused
 * here, before any query, as "This value is not valid." on both databases alike. Every string
 * of a request schema is one of these; auth and the list filter use `isStorableText`.
 */
const Str = (options: StringOptions = {}) => Type.String({ ...options, pattern: '^[^\\u0000]*$' });
export const isStorableText = (text: string): boolean => !text.includes('\u0000');

const Text = (max: number, more: StringOptions = {}) => Str({ maxLength: max, ...more });
const Url = Str({ maxLength: 2048, description: 'http(s) URL' });
/** `100.55` as the spec writes it; `"100.55"` is accepted too. */
export const Amount = Type.Union([Type.Number(), Str({ maxLength: 32 })], {
  description: 'Amount in major units, e.g. 100.55',
});

export const PublicKey = Str({ minLength: 1, maxLength: 128, description: 'pk_test_… / pk_live_…' });

export const Prerequest = Type.Object({
  public_key: PublicKey,
  currency: Str({ minLength: 1, maxLength: 3 }),
});
export type Prerequest = Static<typeof Prerequest>;

export const Address = Type.Object({
  country: Type.Optional(Text(64)),
  region: Type.Optional(Text(128)),
  city: Type.Optional(Text(128)),
  full_address: Type.Optional(Text(512)),
  postcode: Type.Optional(Text(32)),
});

export const Customer = Type.Object({
  reference_id: Str({ minLength: 1, maxLength: 128 }),
  name: Type.Optional(Text(256)),
  email: Type.Optional(Text(256)),
  phone: Type.Optional(Text(32)),
  metadata: Type.Optional(FreeObject),
  address: Type.Optional(Address),
});
export type Customer = Static<typeof Customer>;

export const ReturnUrls = Type.Object({
  success: Type.Optional(Url),
  fail: Type.Optional(Url),
  pending: Url,
});

/** The invoice fields both APIs take (private: all of them, inside `data.attributes`). */
const invoiceFields = {
  reference_id: Str({ minLength: 1, maxLength: 64 }),
  service: Str({ minLength: 1, maxLength: 128 }),
  currency: Str({ minLength: 1, maxLength: 3 }),
  amount: Amount,
  flow: Type.Optional(Type.Union([Type.Literal('charge'), Type.Literal('verify')])),
  service_fields: Type.Optional(FreeObject),
  test_mode: Type.Optional(Type.Boolean()),
  description: Type.Optional(Text(1024)),
  customer: Type.Optional(Customer),
  metadata: Type.Optional(FreeObject),
  return_url: Type.Optional(Url),
  return_urls: Type.Optional(ReturnUrls),
  callback_url: Type.Optional(Url),
  gateway_options: Type.Optional(FreeObject),
  /**
   * The spec writes a DateTime; PayCore's checkout reference documents an int UNIX timestamp,
   * which its widget passes as a number (a string of digits in a query). Either is read
   * (routes.ts), in the same window; any other value is "not a valid datetime".
   */
  expires: Type.Optional(
    Type.Union([Type.Integer(), Str({ maxLength: 64 })], {
      description: 'DateTime, or UNIX seconds (an integer or a string of digits); 14 minutes to 2 days ahead',
      errorMessage: 'This value is not a valid datetime.',
    }),
  ),
};

export const InvoiceAttributes = Type.Object(invoiceFields);
export type InvoiceAttributes = Static<typeof InvoiceAttributes>;

export const PrivateInvoiceRequest = Type.Object({
  data: Type.Object({
    // the spec writes the plural; clients also send the singular (a Laravel one does), which
    // Paymega's platform does not refuse
    type: Type.Union([Type.Literal('payment-invoices'), Type.Literal('payment-invoice')]),
    attributes: InvoiceAttributes,
  }),
});
export type PrivateInvoiceRequest = Static<typeof PrivateInvoiceRequest>;

/**
 * The public API's flat body (and the HTML form's fields, and the `/hpp/` link's query).
 * `reference_id` is generated when missing; `fields` (the JS SDK's name) is read as
 * `service_fields` when those are absent (map.ts, `publicInvoiceFields`). `test_mode`: a
 * `pk_test_…` key makes test invoices whatever the body says; a `pk_live_…` key goes by the
 * field, as the private API does (a form writes it as `1`/`true`).
 */
export const PublicInvoiceRequest = Type.Object({
  public_key: PublicKey,
  ...invoiceFields,
  reference_id: Type.Optional(invoiceFields.reference_id),
  test_mode: Type.Optional(Type.Unknown()),
});
export type PublicInvoiceRequest = Static<typeof PublicInvoiceRequest>;

export const RefundRequest = Type.Object({
  data: Type.Object({
    // the spec shows no example: accept the singular and the JSON:API plural
    type: Type.Optional(Type.Union([Type.Literal('refund'), Type.Literal('refunds')])),
    attributes: Type.Object({
      reference_id: Str({ minLength: 1, maxLength: 64 }),
      amount: Type.Optional(Amount),
      description: Type.Optional(Text(1024)),
      invoiceId: Type.Optional(Str({ maxLength: 64 })),
    }),
  }),
});
export type RefundRequest = Static<typeof RefundRequest>;

// ---- responses ----

const Num = Type.Number();
const NullableNum = Type.Union([Num, Type.Null()]);
const NullableText = Type.Union([Type.String(), Type.Null()]);
const Localized = Type.Object({ ru: Type.String(), en: Type.String(), uk: Type.String() });
const Ref = (type: string) =>
  Type.Object({ data: Type.Object({ type: Type.Literal(type), id: Type.String() }) });
/** PHP writes an empty associative array as `[]`. */
const EmptyArray = Type.Array(Type.Never(), { maxItems: 0 });

export const ErrorList = Type.Object({
  errors: Type.Array(
    Type.Object({
      status: Type.String(),
      code: Type.String(),
      title: Type.Optional(Type.String()),
      detail: Type.Optional(Type.String()),
    }),
  ),
});
export const FieldErrors = Type.Object({ errors: Type.Record(Type.String(), Type.String()) });

export const FlowData = Type.Object({
  action: Type.String(),
  method: Type.String(),
  params: Type.Union([EmptyArray, FreeObject]),
  metadata: Type.Object({ sid: Type.String(), token: Type.String() }),
});

export const PaymentCard = Type.Object({
  last: Type.String(),
  mask: Type.String(),
  brand: Type.String(),
  first: Type.String(),
  holder: NullableText,
  network: Type.String(),
  expiry_year: Type.String(),
  issuer_name: NullableText,
  expiry_month: Type.String(),
  issuer_country: NullableText,
});

export const CallbackLog = Type.Object({
  status: Type.String(),
  processed: Num,
  response_code: NullableNum,
  transaction_status: Type.String(),
});

export const PrivateInvoice = Type.Object({
  type: Type.Literal('payment-invoices'),
  id: Type.String(),
  attributes: Type.Object({
    serial_number: Type.String(),
    status: Type.String(),
    resolution: Type.String(),
    moderation_required: Type.Boolean(),
    amount: Num,
    payment_amount: Num,
    currency: Type.String(),
    service_currency: Type.String(),
    reference_id: NullableText,
    test_mode: Type.Boolean(),
    fee: Num,
    deposit: Num,
    processed: NullableNum,
    processed_amount: NullableNum,
    refunded_amount: NullableNum,
    processed_fee: NullableNum,
    processed_deposit: NullableNum,
    metadata: FreeObject,
    flow_data: FlowData,
    /**
     * Not in the spec: Corefy's own documents carry it, and clients written for Corefy (IqSoft's
     * integration, a Next.js one) send the payer to it. The payment page; null without one.
     */
    hpp_url: NullableText,
    flow: Type.String(),
    payment_flow: Type.String(),
    created: Num,
    updated: Num,
    payload: Type.Union([
      Type.Object({ token: Type.Null(), client_ip: Type.String(), payment_card: PaymentCard }),
      Type.Null(),
    ]),
    description: NullableText,
    descriptor: NullableText,
    callback_url: NullableText,
    return_url: NullableText,
    original_data: Type.Object({
      external_id: NullableText,
      merchant_id: NullableText,
      provider_id: NullableText,
      external_mid: Type.String(),
      provider_code: NullableText,
    }),
    rrn: NullableText,
    approval_code: NullableText,
    reserved_amount: NullableNum,
    reserve_expires: NullableNum,
    unreserved: NullableNum,
    source: Type.String(),
    callback_logs: Type.Union([EmptyArray, Type.Record(Type.String(), CallbackLog)]),
  }),
  relationships: Type.Object({
    'payment-service': Ref('payment-services'),
    'payment-method': Ref('payment-methods'),
    customer: Ref('customers'),
  }),
  links: Type.Object({ self: Type.String() }),
});
export type PrivateInvoice = Static<typeof PrivateInvoice>;
export const PrivateInvoiceDocument = Type.Object({ data: PrivateInvoice });

export const InvoiceList = Type.Object({
  meta: Type.Object({ count: Num, size: Num, before: NullableText, after: NullableText }),
  links: Type.Object({ prev: Type.String(), next: Type.String() }),
  data: Type.Array(PrivateInvoice),
});

export const PublicInvoice = Type.Object({
  id: Type.String(),
  serial_number: Type.String(),
  created: Num,
  test_mode: Type.Boolean(),
  reference_id: NullableText,
  currency: Type.String(),
  amount: Num,
  payment_amount: Num,
  processed_amount: NullableNum,
  refunded_amount: NullableNum,
  description: NullableText,
  has_return_url: Type.Boolean(),
  status: Type.String(),
  resolution: Type.String(),
  service: Type.String(),
  service_method: Type.String(),
  service_flow: Type.String(),
  service_currency: Type.String(),
  metadata: FreeObject,
  active_payment: Type.Object({ payload: FlowData, status: Type.String(), resolution: Type.String() }),
});
export type PublicInvoice = Static<typeof PublicInvoice>;
export const PublicInvoiceDocument = Type.Object({ data: PublicInvoice });

export const PaymentService = Type.Object({
  type: Type.Literal('payment-services'),
  id: Type.String(),
  attributes: Type.Object({
    service: Type.String(),
    service_method: Type.String(),
    service_currency: Type.String(),
    available: Type.Boolean(),
    active: Type.Boolean(),
    enabled: Type.Boolean(),
    amount_min: Num,
    amount_max: Num,
    fee_min: Num,
    fee_max: Num,
    fee_rate: Num,
    fee_fix: Num,
    reserve_lifetime: Num,
    reserve_rate: Num,
    currency: Type.String(),
    test_mode: Type.Boolean(),
  }),
  relationships: Type.Object({
    'payment-method': Ref('payment-methods'),
    'payment-service': Ref('payment-services'),
  }),
  links: Type.Object({ self: Type.String() }),
});
export type PaymentService = Static<typeof PaymentService>;
export const PaymentServiceDocument = Type.Object({ data: PaymentService });
export const PaymentServiceList = Type.Object({
  meta: Type.Object({ total: Num, pages: Num, page: Num }),
  links: Type.Object({
    first: Type.String(),
    prev: Type.Optional(Type.String()),
    next: Type.Optional(Type.String()),
    last: Type.String(),
  }),
  data: Type.Array(PaymentService),
});

export const ServiceField = Type.Object({
  key: Type.String(),
  type: Type.String(),
  label: Localized,
  example: NullableText,
  hint: Localized,
  regexp: Type.String(),
  required: Type.Boolean(),
  position: Num,
});
export type ServiceField = Static<typeof ServiceField>;

export const PrerequestService = Type.Object({
  code: Type.String(),
  method: Type.String(),
  flow: Type.String(),
  currency: Type.String(),
  fields: Type.Array(ServiceField),
  amount_min: Num,
  amount_max: Num,
});

export const PaymentMethod = Type.Object({
  code: Type.String(),
  category: Type.String(),
  description: Type.String(),
  name: Localized,
  logo: Type.String(),
  icon: Type.String(),
  metadata: Type.Null(),
  position: Type.Null(),
  hide: Type.Null(),
});
export type PaymentMethod = Static<typeof PaymentMethod>;

export const PrerequestDocument = Type.Object({
  data: Type.Object({
    currency: Type.String(),
    test_mode: Type.Boolean(),
    services: Type.Union([EmptyArray, Type.Record(Type.String(), PrerequestService)]),
    methods: Type.Union([EmptyArray, Type.Record(Type.String(), PaymentMethod)]),
    account: Type.Object({
      name: Type.String(),
      description: Type.String(),
      icon: Type.String(),
      website: NullableText,
    }),
  }),
});

/**
 * What the renderers build: the wire shape, with every number an exact RawNumber or a plain
 * integer. Object literals are checked against the schema's keys, so nothing extra leaks.
 */
export type Wire<T> = T extends number
  ? number | import('./json.ts').RawNumber
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type Schema = TSchema;
