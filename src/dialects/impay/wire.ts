import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * ImPay's wire, spelled as ImPay spells it (shared/specs/impay-api-1.2.txt, COMPAT.md's path
 * table). Each schema is the shape check of a body, its TypeScript type and a piece of the
 * OpenAPI document.
 *
 * The schemas check shapes, not contents, and every field is optional: real clients send numbers where the spec shows
 * strings and back (`extid: 42`, `document_id: 7`, `card: "12"`), `null` for absent fields and
 * unknown extra fields (`benificphone`), and ImPay accepts all of it. Every scalar therefore
 * takes a string, a number or null, and objects stay open. Lengths, ranges, URLs and card
 * numbers, and which fields are required, are checked in parse.ts, where each violation becomes ImPay's own `{status:0,
 * message}` naming the field, instead of a schema error in another format. A JSON number
 * reaches us as the exact text of its token (the dialect kit parses without floats), so a
 * number field may also arrive as a string of digits.
 */

const opt = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

/** A field the spec types as a string. */
const Text = Type.Union([Type.String(), Type.Number()]);
/** A field the spec types as a number (amounts; int32 ids and codes). */
const Num = Type.Union([Type.Number(), Type.String()]);
/** `clientjavaenabled`: a boolean the spec types as such; `1`/`"true"` come too. */
const Flag = Type.Union([Type.Boolean(), Type.Number(), Type.String()]);
const FreeObject = Type.Record(Type.String(), Type.Unknown());

// ---- requests ----

/** The return URLs of every hosted-page operation. */
const pageUrls = {
  successurl: opt(Text),
  failurl: opt(Text),
  cancelurl: opt(Text),
};

/** `/pay/lk` and `/hold/create`: the payer pays on the hosted page. */
export const PayPageReq = Type.Object({
  amount: opt(Num),
  document_id: opt(Text),
  fullname: opt(Text),
  extid: opt(Text),
  timeout: opt(Num),
  ...pageUrls,
});
export type PayPageReq = Static<typeof PayPageReq>;

export const CardInfoReq = Type.Object({ card: opt(Num), type: opt(Num) });
export type CardInfoReq = Static<typeof CardInfoReq>;

export const CardRegReq = Type.Object({ type: opt(Num), extid: opt(Text), timeout: opt(Num), ...pageUrls });
export type CardRegReq = Static<typeof CardRegReq>;

export const CardGetReq = Type.Object({ id: opt(Num), type: opt(Num) });
export type CardGetReq = Static<typeof CardGetReq>;

export const CardDelReq = Type.Object({ card: opt(Num) });
export type CardDelReq = Static<typeof CardDelReq>;

export const PayAutoReq = Type.Object({ card: opt(Num), amount: opt(Num), extid: opt(Text) });
export type PayAutoReq = Static<typeof PayAutoReq>;

/** `/pay/state`, `/out/state`, `/ident/state`, `/hold/cancel`: an operation by its id. */
export const ByIdReq = Type.Object({ id: opt(Num) });
export type ByIdReq = Static<typeof ByIdReq>;

export const PayStartReq = Type.Object({
  amount: opt(Num),
  document_id: opt(Text),
  fullname: opt(Text),
  extid: opt(Text),
  timeout: opt(Num),
  cardnumber: opt(Text),
  cardholder: opt(Text),
  cardyear: opt(Text),
  cardmonth: opt(Text),
  cardcvc: opt(Text),
  // not in the spec's form, but where the payer returns after 3-DS v1 (TermUrl)
  successurl: opt(Text),
});
export type PayStartReq = Static<typeof PayStartReq>;

/** 3-DS v2 after the 3DS method: the payer's browser, for the ACS's risk assessment. */
export const PayAuthReq = Type.Object({
  status: opt(Num),
  id: opt(Num),
  threedsservertransid: opt(Text),
  successurl: opt(Text),
  cardnumber: opt(Text),
  cardyear: opt(Text),
  cardmonth: opt(Text),
  clientip: opt(Text),
  clientacceptheader: opt(Text),
  clientjavaenabled: opt(Flag),
  clientlanguage: opt(Text),
  clientcolordepth: opt(Text),
  clientscreenheight: opt(Num),
  clientscreenwidth: opt(Num),
  clienttz: opt(Num),
  clientuseragent: opt(Text),
  challengewindowsize: opt(Num),
});
export type PayAuthReq = Static<typeof PayAuthReq>;

/** v1 `{id,pares,md}`; v2 `{id,cres,cardnumber}` or frictionless `{id,auth3ds,dstransid,eci,idcard}`. */
export const PayConfirmReq = Type.Object({
  id: opt(Num),
  pares: opt(Text),
  md: opt(Text),
  cardnumber: opt(Text),
  cres: opt(Text),
  auth3ds: opt(Text),
  dstransid: opt(Text),
  eci: opt(Text),
  idcard: opt(Num),
});
export type PayConfirmReq = Static<typeof PayConfirmReq>;

/** `/hold/confirm`: an amount below the held sum releases the rest. */
export const HoldConfirmReq = Type.Object({ id: opt(Num), amount: opt(Num) });
export type HoldConfirmReq = Static<typeof HoldConfirmReq>;

/** `/out/paycard`: `card` (a vault id) or `cardnum`; a `card` that is no id is ignored then. */
export const OutPayCardReq = Type.Object({
  card: opt(Text),
  cardnum: opt(Text),
  amount: opt(Num),
  extid: opt(Text),
  document_id: opt(Text),
  fullname: opt(Text),
});
export type OutPayCardReq = Static<typeof OutPayCardReq>;

const companyAccount = {
  name: opt(Text),
  inn: opt(Text),
  kpp: opt(Text),
  account: opt(Text),
  bic: opt(Text),
  descript: opt(Text),
  amount: opt(Num),
  extid: opt(Text),
};

export const OutPayUlReq = Type.Object(companyAccount);
export type OutPayUlReq = Static<typeof OutPayUlReq>;

export const OutPayAccReq = Type.Object({
  fio: opt(Text),
  account: opt(Text),
  bic: opt(Text),
  descript: opt(Text),
  amount: opt(Num),
  extid: opt(Text),
});
export type OutPayAccReq = Static<typeof OutPayAccReq>;

/** `/out/ndfl`: a tax transfer, the company form plus the payment order's tax fields. */
export const OutNdflReq = Type.Object({
  ...companyAccount,
  sendername: opt(Text),
  senderadress: opt(Text),
  senderaccount: opt(Text),
  kbk: opt(Text),
  okato: opt(Text),
  paymentbase: opt(Text),
  taxperiod: opt(Text),
  taxdocnum: opt(Text),
  taxdocdate: opt(Text),
  taxpaymenttype: opt(Text),
});
export type OutNdflReq = Static<typeof OutNdflReq>;

/** `/ident/req`: the passport form; the second call repeats `id` with the SMS `phonecode`. */
export const IdentReq = Type.Object({
  id: opt(Num),
  fam: opt(Text),
  nam: opt(Text),
  otc: opt(Text),
  paspser: opt(Text),
  paspnum: opt(Text),
  paspdate: opt(Text),
  paspcode: opt(Text),
  paspvid: opt(Text),
  phone: opt(Text),
  phonecode: opt(Text),
  birth: opt(Text),
  inn: opt(Text),
  snils: opt(Text),
});
export type IdentReq = Static<typeof IdentReq>;

/** The spec leaves the document and address objects undescribed: kept as sent. */
export const BenificRegReq = Type.Object({
  registrationtype: opt(Num),
  ownershipform: opt(Num),
  ownershipgroup: opt(Num),
  msp: opt(Num),
  legalformsofbusiness: opt(Num),
  capitalpayed: opt(Num),
  urname: opt(Text),
  shorturname: opt(Text),
  inn: opt(Text),
  kpp: opt(Text),
  ogrn: opt(Text),
  okved: opt(Text),
  okopf: opt(Text),
  okpo: opt(Text),
  govregistrationdate: opt(Text),
  govregistrationplace: opt(Text),
  govregistrationathority: opt(Text),
  lastname: opt(Text),
  firstname: opt(Text),
  middlename: opt(Text),
  dirregistrationdate: opt(Text),
  innfl: opt(Text),
  birthdate: opt(Text),
  birthplace: opt(Text),
  gender: opt(Num),
  pdl: opt(Num),
  rpdl: opt(Num),
  nationality: opt(Text),
  resident: opt(Num),
  document: opt(FreeObject),
  righttostaydocument: opt(FreeObject),
  phone: opt(Text),
  email: opt(Text),
  uraddres: opt(FreeObject),
  actualaddres: opt(FreeObject),
  groundforparticipation: opt(Text),
  joiningdate: opt(Text),
});
export type BenificRegReq = Static<typeof BenificRegReq>;

/** `/account/balance` and `/check` take no fields; a body is still signed, often `{}`. */
export const EmptyReq = Type.Object({});
export type EmptyReq = Static<typeof EmptyReq>;

export const OperationsReq = Type.Object({ type: opt(Num), datefrom: opt(Text), dateto: opt(Text) });
export type OperationsReq = Static<typeof OperationsReq>;

export const StatementsReq = Type.Object({ account: opt(Text), datefrom: opt(Text), dateto: opt(Text) });
export type StatementsReq = Static<typeof StatementsReq>;

// ---- responses ----

/** Ids are JSON integers within int32: clients read them into 32-bit fields. */
export const Int32 = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 });
/** 1 accepted, 0 refused; 2 the bank refused a create (COMPAT.md). */
const Status = Type.Integer({ minimum: 0, maximum: 2 });

export const Answer = Type.Object({ status: Status, message: Type.String() });
export type Answer = Static<typeof Answer>;

export const CreatedRes = Type.Object({ status: Status, message: Type.String(), id: Int32 });
export type CreatedRes = Static<typeof CreatedRes>;

export const PageRes = Type.Object({ status: Status, message: Type.String(), id: Int32, url: Type.String() });
export type PageRes = Static<typeof PageRes>;

/** `/pay/state`, `/out/state`, `/ident/state`: operation state 0–4 and the bank's `rc`. */
export const StateRes = Type.Object({
  status: Type.Integer({ minimum: 0, maximum: 4 }),
  message: Type.String(),
  rc: Type.String(),
});
export type StateRes = Static<typeof StateRes>;

/** A kept card: `exp` "mm/yy" ("" for payout-only cards), `holder` never null. */
export const CardDoc = Type.Object({
  id: Int32,
  num: Type.String(),
  exp: Type.String({ pattern: '^(\\d{2}/\\d{2})?$' }),
  holder: Type.String(),
  status: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
});
export type CardDoc = Static<typeof CardDoc>;

export const CardRes = Type.Object({ status: Status, message: Type.String(), card: Type.Optional(CardDoc) });
export type CardRes = Static<typeof CardRes>;

export const PayStartRes = Type.Object({
  status: Status,
  message: Type.String(),
  id: Int32,
  '3dsvers': Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
  threedsservertransid: Type.Optional(Type.String()),
  idcard: Type.Optional(Int32),
  url: Type.Optional(Type.String()),
  pa: Type.Optional(Type.String()),
  md: Type.Optional(Type.String()),
});
export type PayStartRes = Static<typeof PayStartRes>;

export const PayAuthRes = Type.Object({
  status: Status,
  message: Type.String(),
  url: Type.Optional(Type.String()),
  creq: Type.Optional(Type.String()),
  threedssessiondata: Type.Optional(Type.String()),
  auth3ds: Type.Optional(Type.String()),
  dstransid: Type.Optional(Type.String()),
  eci: Type.Optional(Type.String()),
});
export type PayAuthRes = Static<typeof PayAuthRes>;

/** Written by the renderer as a bare `%.2f` JSON number (`"amount":100.50`), never via a float. */
export const BalanceRes = Type.Object({ status: Status, message: Type.String(), amount: Type.Number() });
export type BalanceRes = Static<typeof BalanceRes>;

/** The spec does not describe list items; ours are in docs/impay-plan.md. */
export const OperationsRes = Type.Object({
  status: Status,
  message: Type.String(),
  list: Type.Array(FreeObject),
});
export type OperationsRes = Static<typeof OperationsRes>;

export const StatementsRes = Type.Object({
  status: Status,
  message: Type.String(),
  statements: Type.Array(FreeObject),
});
export type StatementsRes = Static<typeof StatementsRes>;

/** The transport error of a framework-level refusal (400/401/403), as ImPay's Yii writes it. */
export const TransportError = Type.Object({
  name: Type.String(),
  message: Type.String(),
  code: Type.Integer(),
  status: Type.Integer(),
});
export type TransportError = Static<typeof TransportError>;

// ---- the operations ----

export type Operation = { request: TSchema; response: TSchema; summary: string };

/** Every path under `/v1`, its request and its success response (COMPAT.md's path table). */
export const operations = {
  'card/info': { request: CardInfoReq, response: CardRes, summary: 'Информация о карте' },
  'card/reg': { request: CardRegReq, response: PageRes, summary: 'Регистрация карты' },
  'card/get': { request: CardGetReq, response: CardRes, summary: 'Идентификатор карты после регистрации' },
  'card/del': { request: CardDelReq, response: Answer, summary: 'Удаление карты' },
  'pay/lk': { request: PayPageReq, response: PageRes, summary: 'Оплата картой' },
  'pay/auto': { request: PayAutoReq, response: CreatedRes, summary: 'Автоплатеж' },
  'pay/state': { request: ByIdReq, response: StateRes, summary: 'Статус платежа' },
  'pay/start': { request: PayStartReq, response: PayStartRes, summary: 'Оплата картой PCI DSS' },
  'pay/auth': { request: PayAuthReq, response: PayAuthRes, summary: 'Подтверждение 3ds v2 PCI DSS' },
  'pay/confirm': { request: PayConfirmReq, response: Answer, summary: 'Завершение оплаты PCI DSS' },
  'hold/create': { request: PayPageReq, response: PageRes, summary: 'Холдирование' },
  'hold/confirm': { request: HoldConfirmReq, response: Answer, summary: 'Подтверждение холдирования' },
  'hold/cancel': { request: ByIdReq, response: Answer, summary: 'Возврат холдирования' },
  'out/paycard': { request: OutPayCardReq, response: CreatedRes, summary: 'Перечисление на карту' },
  'out/payul': { request: OutPayUlReq, response: CreatedRes, summary: 'Перевод на счет юрлица' },
  'out/payacc': { request: OutPayAccReq, response: CreatedRes, summary: 'Перевод на счет физлица' },
  'out/ndfl': { request: OutNdflReq, response: CreatedRes, summary: 'Перечисление НДФЛ' },
  'out/state': { request: ByIdReq, response: StateRes, summary: 'Статус выплаты' },
  'ident/req': { request: IdentReq, response: CreatedRes, summary: 'Идентификация физлица' },
  'ident/state': { request: ByIdReq, response: StateRes, summary: 'Статус идентификации' },
  'benific/reg': { request: BenificRegReq, response: Answer, summary: 'Регистрация бенифициара' },
  'account/balance': { request: EmptyReq, response: BalanceRes, summary: 'Баланс счета' },
  'account/operations': { request: OperationsReq, response: OperationsRes, summary: 'Список операций' },
  'account/statements': { request: StatementsReq, response: StatementsRes, summary: 'Выписка по счету' },
  check: { request: EmptyReq, response: Answer, summary: 'Проверка подключения' },
} as const satisfies Record<string, Operation>;

export type OperationPath = keyof typeof operations;

/** `/сheck` with a Cyrillic с answers like `/check` (clients copied the spec's typo). */
export const pathAliases: Readonly<Record<string, OperationPath>> = { сheck: 'check' };
