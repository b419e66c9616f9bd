import {
  type ObjectOptions,
  type Static,
  type StringOptions,
  type TProperties,
  type TSchema,
  Type,
} from '@sinclair/typebox';
import { cartItemTypes, cartPaymentTypes, cartTaxes } from './cart.ts';
import { pkInvoiceStatuses, pkListedInvoiceStatuses, pkPaymentStatuses } from './map.ts';

/**
 * PayKeeper's wire, spelled as PayKeeper spells it (shared/specs/paykeeper-cabinet-api-2.5.txt,
 * paykeeper-settings-api-newer.txt, COMPAT.md). Each schema is the request check, the
 * TypeScript type and a piece of the OpenAPI document.
 *
 * Requests arrive as PHP forms or query strings, so every field is a string; the dialect
 * kit's form parser has already applied PHP's rules (last key wins, a bare key is `''`) and
 * turned `status[]=a` / `status[0]=a` into `status: ['a']`. Formats are left loose where the
 * dialect's own parsers (amounts.ts, dates.ts, map.ts) answer in PayKeeper's words.
 *
 * Responses are allow-lists (`additionalProperties: false`, and the serializer drops what is
 * not listed): ids are digit strings below 2^63, amounts strings with two decimals, datetimes
 * `YYYY-MM-DD HH:MM:SS` Moscow, flags the strings `"true"`/`"false"`.
 */

// ---- building blocks ----

/** Text without NUL, which PostgreSQL's text type cannot hold (see the Paymega wire). */
const Str = (options: StringOptions = {}) =>
  Type.String({ ...options, pattern: options.pattern ?? '^[^\\u0000]*$' });
const Text = (max: number) => Str({ maxLength: max });
const Closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { ...options, additionalProperties: false });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const OneOf = <T extends readonly string[]>(values: T, options: StringOptions = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

/** 1–19 digits; the routes also check the value is below 2^63 (a 19-digit string may not be). */
export const Id = Str({ pattern: '^[0-9]{1,19}$', description: 'id: a string of digits below 2^63' });
export const Amount = Str({
  pattern: '^[0-9]{1,13}\\.[0-9]{2}$',
  description: 'roubles with two decimals, "1205.98"',
});
export const Datetime = Str({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$',
  description: 'YYYY-MM-DD HH:MM:SS, Moscow time',
});
export const Day = Str({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  description: 'YYYY-MM-DD, a Moscow calendar day',
});
/** A count as PHP prints a database integer: a string of digits. */
export const Count = Str({ pattern: '^[0-9]{1,19}$' });
export const Flag = OneOf(['true', 'false'] as const);

/** A form field as it arrives: any text (a bare key is `''`). */
const Field = (max = 1024) => Text(max);
/** A PHP array field (`status[]=a&status[]=b`, `status[0]=a`). */
const FieldList = (max = 64) => Type.Array(Field(64), { maxItems: max });
/** Every POST carries the security token; a missing or empty one is error 67, not a schema error. */
const token = Type.Optional(Field(64));

// ---- requests: statistics (1) ----

/** 1.2–1.4, and `errors/total`: a period of Moscow days, both ends included. */
export const PeriodQuery = Type.Object({ start: Field(32), end: Field(32) });
export type PeriodQuery = Static<typeof PeriodQuery>;

// ---- requests: payments (2) ----

/** 2.1: `payment_system_id[]`, `status[]`, `from` and `limit` are required; no status → `[]`. */
export const PaymentsByDateQuery = Type.Object({
  start: Field(32),
  end: Field(32),
  payment_system_id: Type.Optional(FieldList()),
  status: Type.Optional(FieldList()),
  from: Type.Optional(Field(20)),
  limit: Type.Optional(Field(20)),
});
export type PaymentsByDateQuery = Static<typeof PaymentsByDateQuery>;

/** 2.2. */
export const PaymentsByDateCountQuery = Type.Object({
  start: Field(32),
  end: Field(32),
  payment_system_id: Type.Optional(FieldList()),
  status: Type.Optional(FieldList()),
});
export type PaymentsByDateCountQuery = Static<typeof PaymentsByDateCountQuery>;

/** 2.3–2.7, 3.1: `?id=`. */
export const ByIdQuery = Type.Object({ id: Field(32) });
export type ByIdQuery = Static<typeof ByIdQuery>;

/** 2.8: `partial` as `true/false`, `1/0`, `True/False`, or missing (map.ts). */
export const ReverseRequest = Type.Object({
  id: Field(32),
  amount: Type.Optional(Field(32)),
  partial: Type.Optional(Field(8)),
  refund_cart: Type.Optional(Field(64 << 10)),
  token,
});
export type ReverseRequest = Static<typeof ReverseRequest>;

/** 2.9 `repeatcnt`, 3.5 `invoice/send`, `invoice/revoke`, `receipt/print`, 5.4, 5.8: an id and the token. */
export const IdRequest = Type.Object({ id: Field(32), token });
export type IdRequest = Static<typeof IdRequest>;

/** COMPAT.md: `GET /info/payments/search/?query=&beg_date=&end_date=`; 2.1's filters optional. */
export const PaymentsSearchQuery = Type.Object({
  query: Type.Optional(Field(256)),
  beg_date: Type.Optional(Field(32)),
  end_date: Type.Optional(Field(32)),
  payment_system_id: Type.Optional(FieldList()),
  status: Type.Optional(FieldList()),
  from: Type.Optional(Field(20)),
  limit: Type.Optional(Field(20)),
});
export type PaymentsSearchQuery = Static<typeof PaymentsSearchQuery>;

/** COMPAT.md: `POST /change/payment/capture/` (two-stage); no amount captures the whole hold. */
export const CaptureRequest = Type.Object({ id: Field(32), amount: Type.Optional(Field(32)), token });
export type CaptureRequest = Static<typeof CaptureRequest>;

// ---- requests: invoices (3) ----

/** 3.2 (status, from, limit required) and 3.3 (all optional). */
export const InvoiceListQuery = Type.Object({
  status: Type.Optional(FieldList()),
  start_date: Type.Optional(Field(32)),
  end_date: Type.Optional(Field(32)),
  from: Type.Optional(Field(20)),
  limit: Type.Optional(Field(20)),
});
export type InvoiceListQuery = Static<typeof InvoiceListQuery>;

/**
 * 3.4 with COMPAT.md's extras: `client_id`/`order_id` spellings, `user_result_callback` at
 * the top level, `service_name` as text or JSON (cart.ts), `expiry` in both formats (dates.ts).
 */
export const InvoicePreviewRequest = Type.Object({
  pay_amount: Field(32),
  clientid: Type.Optional(Field(256)),
  client_id: Type.Optional(Field(256)),
  orderid: Type.Optional(Field(256)),
  order_id: Type.Optional(Field(256)),
  service_name: Type.Optional(Field(64 << 10)),
  client_email: Type.Optional(Field(256)),
  client_phone: Type.Optional(Field(64)),
  expiry: Type.Optional(Field(32)),
  user_result_callback: Type.Optional(Field(2048)),
  token,
});
export type InvoicePreviewRequest = Static<typeof InvoicePreviewRequest>;

// ---- requests: settings (5) ----

export const orgSettingNames = [
  'support_email',
  'informer_type',
  'informer_url',
  'informer_seed',
  'smtp_use_custom',
  'smtp_host',
  'smtp_port',
  'smtp_user',
  'smtp_password',
  'skip_default_pages',
  'success_url',
  'fail_url',
] as const;
export type OrgSettingName = (typeof orgSettingNames)[number];

/** 5.1: an unknown `name` and a missing `value` are answered by the route in PayKeeper's words. */
export const SettingChangeRequest = Type.Object({
  name: Field(64),
  value: Type.Optional(Field(2048)),
  token,
});
export type SettingChangeRequest = Static<typeof SettingChangeRequest>;

export const formFieldTypes = ['sum', 'clientid', 'orderid', 'text', 'phone', 'email', 'bool'] as const;

/** 5.2: fields not given stay as they are; `pk_name=sum` is refused. */
export const FormFieldChangeRequest = Type.Object({
  pk_name: Field(64),
  displayed_name: Type.Optional(Field(256)),
  required: Type.Optional(Field(8)),
  placeholder: Type.Optional(Field(256)),
  enabled: Type.Optional(Field(8)),
  type: Type.Optional(Field(16)),
  order: Type.Optional(Field(8)),
  token,
});
export type FormFieldChangeRequest = Static<typeof FormFieldChangeRequest>;

/** 5.3. */
export const AddReportEmailRequest = Type.Object({ email: Field(256), token });
export type AddReportEmailRequest = Static<typeof AddReportEmailRequest>;

/** 5.6 (login and password required) and 5.7 (`id`, then whatever changes). */
export const UserRequest = Type.Object({
  id: Type.Optional(Field(32)),
  login: Type.Optional(Field(64)),
  password: Type.Optional(Field(256)),
  refund: Type.Optional(Field(8)),
  admin: Type.Optional(Field(8)),
  token,
});
export type UserRequest = Static<typeof UserRequest>;

// ---- requests: export (8) ----

/** 8.1: `limit` at most 1000 (the route says so in PayKeeper's words). */
export const ExportPaymentsQuery = Type.Object({
  type: Field(8),
  start: Field(32),
  end: Field(32),
  payment_system_id: Type.Optional(FieldList()),
  status: Type.Optional(FieldList()),
  from: Type.Optional(Field(20)),
  limit: Type.Optional(Field(20)),
});
export type ExportPaymentsQuery = Static<typeof ExportPaymentsQuery>;

// ---- requests: payers (no API auth) ----

/** `POST /create/` from the payer's browser (COMPAT.md "Legacy HTML-form payment"). */
export const LegacyCreateForm = Type.Object({
  sum: Field(32),
  clientid: Type.Optional(Field(256)),
  orderid: Type.Optional(Field(256)),
  service_name: Type.Optional(Field(64 << 10)),
  client_email: Type.Optional(Field(256)),
  client_phone: Type.Optional(Field(64)),
  cart: Type.Optional(Field(64 << 10)),
  sign: Type.Optional(Field(128)),
  pstype: Type.Optional(Field(64)),
  lang: Type.Optional(Field(8)),
  user_result_callback: Type.Optional(Field(2048)),
});
export type LegacyCreateForm = Static<typeof LegacyCreateForm>;

// ---- outgoing: the informer's POST form ----

/** What Kopek posts to the merchant's `informer_url` (COMPAT.md "Notification"). */
export const InformerForm = Closed({
  id: Id,
  sum: Amount,
  clientid: Str(),
  orderid: Str(),
  key: Str({ pattern: '^[0-9a-f]{32}$' }),
  service_name: Str(),
  client_email: Str(),
  client_phone: Str(),
  ps_id: Id,
  batch_date: Type.Optional(Str()),
  card_number: Str(),
  card_holder: Str(),
  obtain_datetime: Datetime,
});
export type InformerForm = Static<typeof InformerForm>;

// ---- responses: common ----

export const Success = Closed({ result: Type.Literal('success') });
export const Fail = Closed({
  result: Type.Literal('fail'),
  msg: Str(),
  error_code: Type.Optional(Type.Integer()),
});
export type Fail = Static<typeof Fail>;
/** 6.1 and COMPAT.md: an object holding 32 hex. */
export const TokenResponse = Closed({ token: Str({ pattern: '^[0-9a-f]{32}$' }) });

const StatusCount = <T extends TSchema>(status: T) => Closed({ status, count: Count });
const FullCount = Type.Array(Closed({ count: Count }), { minItems: 1, maxItems: 1 });

// ---- responses: statistics (1) ----

const systemNames = { id: Id, system_description: Str(), site_description: Str() };

/** 1.1. */
export const SystemsList = Type.Array(Closed(systemNames));
/** 1.2: success = paid and confirmed, account = paid, stuck = paid but never confirmed. */
export const SystemsSums = Type.Array(
  Closed({ ...systemNames, success: Amount, account: Amount, stuck: Amount, currency: Str() }),
);
/**
 * 1.3: `[ms since epoch, roubles]` per point, a point per day up to 30 days, else 30 points.
 * The amount is a JSON number written digit for digit (the kit's raw number), never a double.
 */
export const SystemsSumsDetails = Type.Array(
  Closed({
    payment_system_id: Id,
    label: Str(),
    data: Type.Array(Type.Tuple([Type.Integer(), Type.Number()]), { maxItems: 31 }),
  }),
);
/** 1.4. */
export const AllSum = Closed({ success: Amount, account: Amount, stuck: Amount });

// ---- responses: payments (2) ----

const paymentFields = {
  id: Id,
  pay_amount: Amount,
  refund_amount: Amount,
  clientid: Nullable(Str()),
  orderid: Nullable(Str()),
  payment_system_id: Id,
  unique_id: Nullable(Str()),
  status: OneOf(pkPaymentStatuses),
  repeat_counter: Count,
  pending_datetime: Datetime,
  obtain_datetime: Nullable(Datetime),
  success_datetime: Nullable(Datetime),
};
/** 2.1, and `payments/search`. */
export const PaymentRow = Closed(paymentFields);
export type PaymentRow = Static<typeof PaymentRow>;
export const PaymentList = Type.Array(PaymentRow);
/** 2.3: an ARRAY of one (clients read `data[0].status`), with the system's names (COMPAT.md). */
export const PaymentById = Type.Array(
  Closed({ ...paymentFields, site_description: Str(), system_description: Str() }),
  { maxItems: 1 },
);
/**
 * 2.2. The spec's example is three JSON documents one after another, which no client can
 * parse; PayKeeper's server sends one object with the three keys, as 3.3 shows.
 */
export const PaymentsByDateCount = Closed({
  statuses: Type.Array(StatusCount(OneOf(pkPaymentStatuses))),
  payment_systems: Type.Array(Closed({ payment_system_id: Id, count: Count })),
  fullcount: FullCount,
});
/** 2.4: keys depend on the payment system; values are text (card number masked). */
export const PaymentOptions = Type.Record(Str({ pattern: '^[A-Za-z0-9_]{1,64}$' }), Nullable(Str()));
/** 2.5. */
export const PaymentParams = Type.Array(
  Closed({ id: Id, payment_id: Id, field: Str(), value: Nullable(Str()) }),
);
/** 2.6: the HTTP requests that touched the payment (bank callbacks, the payer's returns). */
export const HttpLog = Type.Array(
  Closed({
    id: Id,
    payment_id: Id,
    request_method: Str(),
    request_uri: Str(),
    ip: Str(),
    body: Str(),
    datetime: Datetime,
  }),
);
export const pkRefundStatuses = ['started', 'done', 'failed'] as const;
/** 2.7: `reminder` (sic) is what remains after this refund; `user` who did it. */
export const RefundsOfPayment = Type.Array(
  Closed({
    id: Id,
    payment_id: Id,
    refund_number: Count,
    user: Str(),
    amount: Amount,
    reminder: Amount,
    datetime: Datetime,
    status: OneOf(pkRefundStatuses),
  }),
);
/** COMPAT.md capture: `{result, total, captured}`. */
export const CaptureResponse = Closed({ result: Type.Literal('success'), total: Amount, captured: Amount });
/** COMPAT.md `errors/total`: failed payments by error code in a period. */
export const ErrorsTotal = Closed({
  total: Count,
  totalWithGroup: Type.Array(Closed({ error_code: Str(), total: Count, user_description: Str() })),
});
/** COMPAT.md `receipt/print`. */
export const ReceiptPrintResponse = Closed({ receipt_id: Id });

// ---- responses: invoices (3) ----

const invoiceFields = {
  id: Id,
  status: OneOf(pkInvoiceStatuses),
  pay_amount: Amount,
  clientid: Nullable(Str()),
  orderid: Nullable(Str()),
  service_name: Nullable(Str()),
  client_email: Nullable(Str()),
  client_phone: Nullable(Str()),
  expiry_datetime: Nullable(Datetime),
  created_datetime: Datetime,
  paid_datetime: Nullable(Datetime),
};
/** 3.1 with COMPAT.md's fields: the creating user and the payment once paid. */
export const InvoiceById = Closed({
  ...invoiceFields,
  user_id: Id,
  paymentid: Nullable(Id),
  user_login: Str(),
  /** Kopek's: the last e-mail of the invoice (outbox notice: queued, delivered, exhausted) and its failure. */
  email_status: Type.Optional(Nullable(Str())),
  email_error: Type.Optional(Nullable(Str())),
});
export type InvoiceById = Static<typeof InvoiceById>;
/** 3.2: newest first; `created` invoices are never listed. */
export const InvoiceList = Type.Array(Closed({ ...invoiceFields, status: OneOf(pkListedInvoiceStatuses) }));
/** 3.3. */
export const InvoiceListCount = Closed({
  statuses: Type.Array(StatusCount(OneOf(pkListedInvoiceStatuses))),
  fullcount: FullCount,
});
/** 3.4: all three strings; an invoice id has 17+ digits, above 2^53. */
export const InvoicePreview = Closed({
  invoice_id: Str({ pattern: '^[0-9]{17,19}$' }),
  invoice_url: Str(),
  invoice: Str(),
});

// ---- responses: settings (4) ----

/** 4.1: the table says `refund_allowed`, the example `refund_allow`; both are sent. */
export const UserSettings = Closed({
  user: Str(),
  refund_allowed: Flag,
  refund_allow: Flag,
  refund: Count,
  admin: Flag,
});
/** 4.2. */
export const LastVisit = Closed({ ip: Str(), datetime: Datetime });

export const cabinetFlags = ['hide_statistics', 'hide_payments', 'hide_invoices', 'hide_receipts'] as const;
/** 4.3: admin-only fields are absent for other users; smtp_* absent unless smtp_use_custom. */
export const OrgSettings = Closed({
  shopname: Str(),
  shopdomain: Str(),
  legal_name: Str(),
  paykeeper_id: Str(),
  support_email: Type.Optional(Str()),
  informer_type: Type.Optional(OneOf(['post', 'email'] as const)),
  informer_url: Type.Optional(Str()),
  informer_seed: Type.Optional(Str()),
  smtp_use_custom: Type.Optional(Flag),
  smtp_host: Type.Optional(Str()),
  smtp_port: Type.Optional(Str({ pattern: '^[0-9]{1,5}$' })),
  smtp_user: Type.Optional(Str()),
  smtp_password: Type.Optional(Str()),
  skip_default_pages: Type.Optional(Flag),
  success_url: Type.Optional(Str()),
  fail_url: Type.Optional(Str()),
  cabinet: Closed(
    Object.fromEntries(cabinetFlags.map((f) => [f, Flag])) as Record<
      (typeof cabinetFlags)[number],
      typeof Flag
    >,
  ),
});
export type OrgSettings = Static<typeof OrgSettings>;
/** 4.4. */
export const Notifications = Type.Array(
  Closed({
    type: OneOf(['important', 'bottom', 'bottom_important'] as const),
    message: Str(),
    link: Str(),
    link_caption: Str(),
  }),
);
/** 4.5. */
export const FormFields = Type.Array(
  Closed({
    pk_name: Str(),
    displayed_name: Str(),
    placeholder: Str(),
    required: Flag,
    enabled: Flag,
    order: Str({ pattern: '^[0-9]{1,5}$' }),
    type: OneOf(formFieldTypes),
  }),
);
/** 4.6. */
export const ReportEmails = Type.Array(Closed({ id: Id, email: Str() }));
/** 4.7. */
export const Users = Type.Array(Closed({ id: Id, login: Str(), refund: Count, admin: Flag }));
/** 4.8 (newer settings API): the payment buttons shown, `bank.method`. */
export const EnabledButtons = Type.Array(Str({ pattern: '^[a-z0-9_]+\\.[a-z0-9_]+$' }));

// ---- the cart as the receipt stores it ----

export const CartLineWire = Closed({
  name: Str({ maxLength: 128 }),
  price: Type.Union([Type.Number(), Str()]),
  quantity: Type.Union([Type.Number(), Str()]),
  sum: Type.Union([Type.Number(), Str()]),
  tax: OneOf(cartTaxes),
  item_type: Type.Optional(OneOf(cartItemTypes)),
  payment_type: Type.Optional(OneOf(cartPaymentTypes)),
});

// ---- the operations, in one list ----

export type PkOperation = {
  /** The spec's section, or `compat` for COMPAT.md's extras. */
  section: string;
  method: 'GET' | 'POST';
  path: string;
  request: TSchema | null;
  /** null: not JSON (the XLSX export). */
  response: TSchema | null;
  adminOnly: boolean;
};

const op = (
  section: string,
  method: 'GET' | 'POST',
  path: string,
  request: TSchema | null,
  response: TSchema | null,
  adminOnly = false,
): PkOperation => ({ section, method, path, request, response, adminOnly });

/** Every operation the dialect answers, for routes, OpenAPI and the contract tests. */
export const pkOperations: readonly PkOperation[] = [
  op('1.1', 'GET', '/info/systems/list/', null, SystemsList),
  op('1.2', 'GET', '/info/systems/sums/', PeriodQuery, SystemsSums),
  op('1.3', 'GET', '/info/systems/sums/details/', PeriodQuery, SystemsSumsDetails),
  op('1.4', 'GET', '/info/systems/allsum/', PeriodQuery, AllSum),
  op('2.1', 'GET', '/info/payments/bydate/', PaymentsByDateQuery, PaymentList),
  op('2.2', 'GET', '/info/payments/bydatecount/', PaymentsByDateCountQuery, PaymentsByDateCount),
  op('2.3', 'GET', '/info/payments/byid/', ByIdQuery, PaymentById),
  op('2.4', 'GET', '/info/options/byid/', ByIdQuery, PaymentOptions),
  op('2.5', 'GET', '/info/params/byid/', ByIdQuery, PaymentParams),
  op('2.6', 'GET', '/info/httplog/byid/', ByIdQuery, HttpLog),
  op('2.7', 'GET', '/info/refunds/bypaymentid/', ByIdQuery, RefundsOfPayment),
  op('2.8', 'POST', '/change/payment/reverse/', ReverseRequest, Success),
  op('2.9', 'POST', '/change/payment/repeatcnt/', IdRequest, Success),
  op('compat', 'GET', '/info/payments/search/', PaymentsSearchQuery, PaymentList),
  op('compat', 'POST', '/change/payment/capture/', CaptureRequest, CaptureResponse),
  op('compat', 'GET', '/info/errors/total/', Type.Partial(PeriodQuery), ErrorsTotal),
  op('compat', 'POST', '/change/receipt/print/', IdRequest, ReceiptPrintResponse),
  op('3.1', 'GET', '/info/invoice/byid/', ByIdQuery, InvoiceById),
  op('3.2', 'GET', '/info/invoice/list/', InvoiceListQuery, InvoiceList),
  op('3.3', 'GET', '/info/invoice/listcount/', InvoiceListQuery, InvoiceListCount),
  op('3.4', 'POST', '/change/invoice/preview/', InvoicePreviewRequest, InvoicePreview),
  op('3.5', 'POST', '/change/invoice/send/', IdRequest, Success),
  op('compat', 'POST', '/change/invoice/revoke/', IdRequest, Success),
  op('4.1', 'GET', '/info/user/settings/', null, UserSettings),
  op('4.2', 'GET', '/info/user/lastvisit/', null, LastVisit),
  op('4.3', 'GET', '/info/organization/settings/', null, OrgSettings),
  op('4.4', 'GET', '/info/organization/notifications/', null, Notifications),
  op('4.5', 'GET', '/info/organization/fields/', null, FormFields),
  op('4.6', 'GET', '/info/organization/reportemails/', null, ReportEmails, true),
  op('4.7', 'GET', '/info/organization/users/', null, Users, true),
  op('4.8', 'GET', '/info/organization/enabledbuttons/', null, EnabledButtons),
  op('5.1', 'POST', '/change/organization/setting/', SettingChangeRequest, Success, true),
  op('5.2', 'POST', '/change/organization/formfield/', FormFieldChangeRequest, Success, true),
  op('5.3', 'POST', '/change/organization/addreportemail/', AddReportEmailRequest, Success, true),
  op('5.4', 'POST', '/change/organization/deletereportemail/', IdRequest, Success, true),
  op('5.6', 'POST', '/change/user/add/', UserRequest, Success, true),
  op('5.7', 'POST', '/change/user/update/', UserRequest, Success, true),
  op('5.8', 'POST', '/change/user/delete/', IdRequest, Success, true),
  op('6.1', 'GET', '/info/settings/token/', null, TokenResponse),
  op('6.1', 'POST', '/info/settings/token/', null, TokenResponse),
  op('8.1', 'GET', '/export/payments/', ExportPaymentsQuery, null),
];
