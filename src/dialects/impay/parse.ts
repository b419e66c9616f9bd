import type { ThreeDsResult } from '../../acquiring/connector.ts';
import { validateAccount, validateBic, validateInn, validateKpp } from '../../domain/bank-details.ts';
import { cardBrand, parseExpiry, validCvc } from '../../domain/card.ts';
import type { CardData } from '../../domain/card-data.ts';
import { validateOgrn, validateSnils } from '../../domain/registry-numbers.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { Secret } from '../../security/secret.ts';
import { type FieldError, fieldMessage } from './errors.ts';
import { FieldReader } from './fields.ts';
import { cardPurposeOf, fromImpayId } from './map.ts';

/**
 * ImPay's request bodies → plain commands for the engine, in engine vocabulary (kopecks,
 * bigint ids, `externalId`). Every rule of the spec and of COMPAT.md about a field is checked
 * here, and each violation names the field in ImPay's Russian (errors.ts). Rules that need
 * stored data (an extid already used, a card that exists, a balance) are the engine's.
 */

export type Parsed<C> = Result<C, [FieldError, ...FieldError[]]>;

/** The spec's bounds of fields (its `<= N characters` and `[10 .. 59]`). */
export const impayBounds = {
  extidLengthMax: 40,
  documentIdLengthMax: 40,
  fullnameLengthMax: 80,
  descriptLengthMax: 210,
  timeoutMinutesMin: 10,
  timeoutMinutesMax: 59,
  /** Names and free texts the spec leaves unbounded: a payment order's payee field holds 160. */
  nameLengthMax: 160,
  textLengthMax: 255,
} as const;

function finish<C>(reader: FieldReader, build: () => C): Parsed<C> {
  const [first, ...rest] = reader.errors;
  return first ? fail([first, ...rest]) : ok(build());
}

const extid = (r: FieldReader) => r.text('extid', impayBounds.extidLengthMax);

export type ReturnUrls = { success?: string; fail?: string; cancel?: string };

function returnUrls(r: FieldReader): ReturnUrls {
  const urls: ReturnUrls = {};
  const success = r.url('successurl');
  const failUrl = r.url('failurl');
  const cancel = r.url('cancelurl');
  if (success !== null) urls.success = success;
  if (failUrl !== null) urls.fail = failUrl;
  if (cancel !== null) urls.cancel = cancel;
  return urls;
}

const timeout = (r: FieldReader) =>
  r.int('timeout', impayBounds.timeoutMinutesMin, impayBounds.timeoutMinutesMax);

// ---- pay-ins ----

/** Who pays for what: the fields `pay/lk`, `hold/create` and `pay/start` share. */
export type PaymentFields = {
  amountMinor: bigint;
  externalId: string | null;
  /** The merchant's contract number, shown to the payer and returned in lists. */
  documentId: string | null;
  fullname: string | null;
  /** Minutes the payer has; null: the engine's default. */
  timeoutMinutes: number | null;
};

function paymentFields(r: FieldReader): PaymentFields {
  return {
    amountMinor: r.amount('amount') ?? 0n,
    externalId: extid(r),
    documentId: r.text('document_id', impayBounds.documentIdLengthMax),
    fullname: r.text('fullname', impayBounds.fullnameLengthMax),
    timeoutMinutes: timeout(r),
  };
}

/** `pay/lk` (flow charge) and `hold/create` (flow hold): a payment on the hosted page. */
export type PayPageCmd = PaymentFields & { flow: 'charge' | 'hold'; returnUrls: ReturnUrls };

export function parsePayPage(body: unknown, flow: PayPageCmd['flow']): Parsed<PayPageCmd> {
  const r = new FieldReader(body);
  const fields = paymentFields(r);
  const urls = returnUrls(r);
  return finish(r, () => ({ ...fields, flow, returnUrls: urls }));
}

export type PayAutoCmd = { cardId: bigint; amountMinor: bigint; externalId: string | null };

export function parsePayAuto(body: unknown): Parsed<PayAutoCmd> {
  const r = new FieldReader(body);
  const cardId = r.id('card');
  const amountMinor = r.amount('amount');
  const externalId = extid(r);
  return finish(r, () => ({ cardId: cardId ?? 0n, amountMinor: amountMinor ?? 0n, externalId }));
}

/** `pay/state`, `out/state`, `ident/state`, `hold/cancel`: one operation by its id. */
export type ByIdCmd = { id: bigint };

export function parseById(body: unknown): Parsed<ByIdCmd> {
  const r = new FieldReader(body);
  const id = r.id('id');
  return finish(r, () => ({ id: id ?? 0n }));
}

/** Card data typed by the payer, read from the given fields; null (with errors) when bad. */
function cardData(
  r: FieldReader,
  f: { number: string; month: string; year: string; cvc?: string; holder?: string },
): Secret<CardData> | null {
  const pan = r.cardNumber(f.number);
  const month = r.matching(f.month, 2, /^\d{1,2}$/, true);
  const year = r.matching(f.year, 4, /^(\d{2}|\d{4})$/, true);
  const expiry = month !== null && year !== null ? parseExpiry(month, year) : null;
  if (expiry && !expiry.ok) r.fail(f.month, fieldMessage.invalid(f.month));
  const cvc = f.cvc === undefined ? null : r.matching(f.cvc, 4, /^\d{3,4}$/, true);
  if (pan !== null && cvc !== null && f.cvc !== undefined && !validCvc(cvc, cardBrand(pan)))
    r.fail(f.cvc, fieldMessage.invalid(f.cvc));
  const holder = f.holder === undefined ? null : r.text(f.holder, 64);
  if (pan === null || !expiry?.ok) return null;
  return new Secret({ pan, expiry: expiry.value, ...(cvc === null ? {} : { cvc }), holder: holder ?? '' });
}

/** `pay/start`: a merchant's PCI DSS back end sends the card itself. */
export type PayStartCmd = PaymentFields & { card: Secret<CardData>; returnUrl: string | null };

export function parsePayStart(body: unknown): Parsed<PayStartCmd> {
  const r = new FieldReader(body);
  const fields = paymentFields(r);
  const card = cardData(r, {
    number: 'cardnumber',
    month: 'cardmonth',
    year: 'cardyear',
    cvc: 'cardcvc',
    holder: 'cardholder',
  });
  const returnUrl = r.url('successurl');
  return finish(r, () => ({ ...fields, card: card as Secret<CardData>, returnUrl }));
}

/** What the payer's browser told the merchant, for the ACS's risk assessment (3-DS v2). */
export type BrowserInfo = {
  ip: string | null;
  acceptHeader: string | null;
  javaEnabled: boolean | null;
  language: string | null;
  colorDepth: string | null;
  screenHeight: number | null;
  screenWidth: number | null;
  timeZoneMinutes: number | null;
  userAgent: string | null;
  /** 01–05, the spec's window sizes. */
  challengeWindowSize: number | null;
};

export type PayAuthCmd = {
  id: bigint;
  threeDsServerTransId: string | null;
  returnUrl: string | null;
  browser: BrowserInfo;
};

function flag(r: FieldReader, field: string): boolean | null {
  const value = r.given(field);
  if (value === undefined) return null;
  if (value === true || value === 1 || value === '1' || value === 'true') return true;
  if (value === false || value === 0 || value === '0' || value === 'false') return false;
  return r.fail(field, fieldMessage.invalid(field));
}

export function parsePayAuth(body: unknown): Parsed<PayAuthCmd> {
  const r = new FieldReader(body);
  const t = impayBounds.textLengthMax;
  const id = r.id('id');
  const threeDsServerTransId = r.text('threedsservertransid', 64);
  const returnUrl = r.url('successurl');
  const browser: BrowserInfo = {
    ip: r.text('clientip', 45),
    acceptHeader: r.text('clientacceptheader', 2048),
    javaEnabled: flag(r, 'clientjavaenabled'),
    language: r.text('clientlanguage', 35),
    colorDepth: r.text('clientcolordepth', 2),
    screenHeight: r.int('clientscreenheight', 0, 999_999),
    screenWidth: r.int('clientscreenwidth', 0, 999_999),
    timeZoneMinutes: r.int('clienttz', -840, 840),
    userAgent: r.text('clientuseragent', 2048),
    challengeWindowSize: r.int('challengewindowsize', 1, 5),
  };
  r.text('cardnumber', t); // sent again by some clients; the payment already has its card
  return finish(r, () => ({ id: id ?? 0n, threeDsServerTransId, returnUrl, browser }));
}

/**
 * `pay/confirm`: v1 `{pares, md}`; v2 after a challenge `{cres}`; v2 frictionless `{auth3ds,
 * dstransid, eci}` (pay/auth returned `auth3ds`, nothing for the payer to do).
 */
export type PayConfirmCmd = { id: bigint } & (
  | { kind: 'challenge'; result: ThreeDsResult }
  | { kind: 'frictionless'; auth3ds: string; dsTransId: string | null; eci: string | null }
);

export function parsePayConfirm(body: unknown): Parsed<PayConfirmCmd> {
  const r = new FieldReader(body);
  const big = 64 << 10; // PaRes and CRes are base64 documents of a few kilobytes
  const id = r.id('id');
  const pares = r.text('pares', big);
  const md = r.text('md', 1024);
  const cres = r.text('cres', big);
  const auth3ds = r.text('auth3ds', 1024);
  const dsTransId = r.text('dstransid', 64);
  const eci = r.matching('eci', 2, /^\d{2}$/);
  r.text('cardnumber', 32);
  if (pares === null && cres === null && auth3ds === null) r.fail('pares', fieldMessage.required('pares'));
  if (pares !== null && md === null) r.fail('md', fieldMessage.required('md'));
  return finish(r, (): PayConfirmCmd => {
    const payment = { id: id ?? 0n };
    if (pares !== null)
      return { ...payment, kind: 'challenge', result: { version: '1', paRes: pares, md: md ?? '' } };
    if (cres !== null) return { ...payment, kind: 'challenge', result: { version: '2', cres } };
    return { ...payment, kind: 'frictionless', auth3ds: auth3ds ?? '', dsTransId, eci };
  });
}

/** `hold/confirm`: capture all of the hold, or `amount` of it (the rest is released). */
export type HoldConfirmCmd = { id: bigint; amountMinor: bigint | null };

export function parseHoldConfirm(body: unknown): Parsed<HoldConfirmCmd> {
  const r = new FieldReader(body);
  const id = r.id('id');
  const amountMinor = r.amount('amount', false);
  return finish(r, () => ({ id: id ?? 0n, amountMinor }));
}

// ---- cards ----

export type CardRegCmd = {
  purpose: 'pay' | 'payout';
  externalId: string | null;
  timeoutMinutes: number | null;
  returnUrls: ReturnUrls;
};

export function parseCardReg(body: unknown): Parsed<CardRegCmd> {
  const r = new FieldReader(body);
  const type = r.code('type', [0, 1] as const, 0);
  const externalId = extid(r);
  const timeoutMinutes = timeout(r);
  const urls = returnUrls(r);
  return finish(r, () => ({
    purpose: cardPurposeOf(type ?? 0),
    externalId,
    timeoutMinutes,
    returnUrls: urls,
  }));
}

/** `card/info` and `card/del` name a card; `card/get` names the registration (`id`). */
export type CardRefCmd = { cardId: bigint };
export type CardGetCmd = { registrationId: bigint };

export function parseCardRef(body: unknown): Parsed<CardRefCmd> {
  const r = new FieldReader(body);
  const cardId = r.id('card');
  r.code('type', [0, 1] as const, 0);
  return finish(r, () => ({ cardId: cardId ?? 0n }));
}

export function parseCardGet(body: unknown): Parsed<CardGetCmd> {
  const r = new FieldReader(body);
  const registrationId = r.id('id');
  r.code('type', [0, 1] as const, 0);
  return finish(r, () => ({ registrationId: registrationId ?? 0n }));
}

// ---- payouts ----

/** The contract fields of a card payout, kept with it and shown in lists. */
type PayoutFields = { amountMinor: bigint; externalId: string | null };

export type OutPayCardCmd = PayoutFields & {
  destination: { kind: 'saved_card'; cardId: bigint } | { kind: 'card'; pan: Secret<string> };
  documentId: string | null;
  fullname: string | null;
};

/**
 * `out/paycard`: a kept `card` or a `cardnum`. A `card` that is no card id (one client always
 * sends the string "сard", Cyrillic с) is ignored when `cardnum` is present (COMPAT.md); a
 * valid id is used even then, as the spec says either is sent.
 */
export function parseOutPayCard(body: unknown): Parsed<OutPayCardCmd> {
  const r = new FieldReader(body);
  const cardGiven = r.given('card');
  const cardId = cardGiven === undefined ? null : fromImpayId(cardGiven);
  const cardnumGiven = r.given('cardnum') !== undefined;
  let destination: OutPayCardCmd['destination'] | null = null;
  if (cardId !== null) destination = { kind: 'saved_card', cardId };
  else if (cardnumGiven) {
    const pan = r.cardNumber('cardnum');
    if (pan !== null) destination = { kind: 'card', pan: new Secret(pan) };
  } else if (cardGiven !== undefined) r.fail('card', fieldMessage.notInteger('card'));
  else r.fail('cardnum', fieldMessage.required('cardnum'));
  const amountMinor = r.amount('amount');
  const externalId = extid(r);
  const documentId = r.text('document_id', impayBounds.documentIdLengthMax);
  const fullname = r.text('fullname', impayBounds.fullnameLengthMax);
  return finish(r, () => ({
    destination: destination as OutPayCardCmd['destination'],
    amountMinor: amountMinor ?? 0n,
    externalId,
    documentId,
    fullname,
  }));
}

/** A bank account and its bank, with the check digits verified. */
export type BankAccount = { account: string; bic: string };

function bankAccount(r: FieldReader): BankAccount | null {
  const account = r.matching('account', 20, /^\d{20}$/, true);
  const bic = r.text('bic', 9, true);
  if (bic !== null && !validateBic(bic).ok) return r.fail('bic', fieldMessage.invalid('bic'));
  if (account === null || bic === null) return null;
  return validateAccount(account, bic).ok
    ? { account, bic }
    : r.fail('account', fieldMessage.invalid('account'));
}

export type Company = { name: string; inn: string; kpp: string | null };

/** A company (10-digit INN, KPP required) or a sole trader (12-digit INN, no KPP). */
function company(r: FieldReader): Company | null {
  const name = r.text('name', impayBounds.nameLengthMax, true);
  const inn = r.text('inn', 12, true);
  const innOk = inn !== null && validateInn(inn).ok;
  if (inn !== null && !innOk) r.fail('inn', fieldMessage.invalid('inn'));
  const kpp = r.text('kpp', 9, innOk && inn?.length === 10);
  if (kpp !== null && !validateKpp(kpp).ok) r.fail('kpp', fieldMessage.invalid('kpp'));
  return name !== null && innOk && inn !== null ? { name, inn, kpp } : null;
}

export type OutPayUlCmd = PayoutFields & { payee: Company; to: BankAccount; description: string | null };

export function parseOutPayUl(body: unknown): Parsed<OutPayUlCmd> {
  const r = new FieldReader(body);
  const payee = company(r);
  const to = bankAccount(r);
  const description = r.text('descript', impayBounds.descriptLengthMax);
  const amountMinor = r.amount('amount');
  const externalId = extid(r);
  return finish(r, () => ({
    payee: payee as Company,
    to: to as BankAccount,
    description,
    amountMinor: amountMinor ?? 0n,
    externalId,
  }));
}

export type OutPayAccCmd = PayoutFields & { fio: string; to: BankAccount; description: string | null };

export function parseOutPayAcc(body: unknown): Parsed<OutPayAccCmd> {
  const r = new FieldReader(body);
  const fio = r.text('fio', impayBounds.nameLengthMax, true);
  const to = bankAccount(r);
  const description = r.text('descript', impayBounds.descriptLengthMax);
  const amountMinor = r.amount('amount');
  const externalId = extid(r);
  return finish(r, () => ({
    fio: fio ?? '',
    to: to as BankAccount,
    description,
    amountMinor: amountMinor ?? 0n,
    externalId,
  }));
}

/** The tax fields of a payment order to the Treasury (fields 101–110 of the form). */
export type TaxFields = {
  kbk: string;
  /** OKTMO (the spec's `okato`): 8 or 11 digits. */
  okato: string;
  paymentBase: string | null;
  taxPeriod: string | null;
  taxDocNum: string | null;
  taxDocDate: string | null;
  taxPaymentType: string | null;
  senderName: string | null;
  senderAddress: string | null;
  senderAccount: string | null;
};

export type OutNdflCmd = OutPayUlCmd & { tax: TaxFields };

export function parseOutNdfl(body: unknown): Parsed<OutNdflCmd> {
  const r = new FieldReader(body);
  const payee = company(r);
  const to = bankAccount(r);
  const description = r.text('descript', impayBounds.descriptLengthMax);
  const amountMinor = r.amount('amount');
  const externalId = extid(r);
  const tax = {
    kbk: r.matching('kbk', 20, /^\d{20}$/, true),
    okato: r.matching('okato', 11, /^(\d{8}|\d{11})$/, true),
    paymentBase: r.text('paymentbase', 2),
    taxPeriod: r.text('taxperiod', 10),
    taxDocNum: r.text('taxdocnum', 15),
    taxDocDate: r.text('taxdocdate', 10),
    taxPaymentType: r.text('taxpaymenttype', 2),
    senderName: r.text('sendername', impayBounds.nameLengthMax),
    senderAddress: r.text('senderadress', impayBounds.textLengthMax),
    senderAccount: r.matching('senderaccount', 20, /^\d{20}$/),
  };
  return finish(r, () => ({
    payee: payee as Company,
    to: to as BankAccount,
    description,
    amountMinor: amountMinor ?? 0n,
    externalId,
    tax: { ...tax, kbk: tax.kbk ?? '', okato: tax.okato ?? '' },
  }));
}

// ---- identification ----

/** A person's passport data, checked for form (the registry check is the identifier's). */
export type Person = {
  lastName: string;
  firstName: string;
  patronymic: string | null;
  passportSeries: string;
  passportNumber: string;
  passportIssuedOn: string | null;
  passportDivisionCode: string | null;
  passportIssuedBy: string | null;
  birthDate: string | null;
  inn: string | null;
  snils: string | null;
  /** Digits with the country code, `79123456789`; null when the phone is not to be checked. */
  phone: string | null;
};

/**
 * `ident/req` is two calls: the passport form (and a phone to check) starts an
 * identification; the same `id` with the SMS `phonecode` completes the phone check.
 */
export type IdentCmd = { kind: 'start'; person: Person } | { kind: 'phone_code'; id: bigint; code: string };

/** `+7 (912) 345-67-89`, `89123456789` → `79123456789`. */
export function normalizePhone(text: string): string | null {
  const digits = text.replace(/[\s()+-]/g, '');
  if (!/^\d+$/.test(digits)) return null;
  if (digits.length === 11 && (digits.startsWith('7') || digits.startsWith('8')))
    return `7${digits.slice(1)}`;
  return digits.length === 10 && digits.startsWith('9') ? `7${digits}` : null;
}

export function parseIdent(body: unknown): Parsed<IdentCmd> {
  const r = new FieldReader(body);
  if (r.given('phonecode') !== undefined) {
    const id = r.id('id');
    const code = r.matching('phonecode', 8, /^\d{4,8}$/, true);
    return finish(r, () => ({ kind: 'phone_code', id: id ?? 0n, code: code ?? '' }));
  }
  const name = impayBounds.nameLengthMax;
  const inn = r.text('inn', 12);
  if (inn !== null && (inn.length !== 12 || !validateInn(inn).ok)) r.fail('inn', fieldMessage.invalid('inn'));
  const snils = r.text('snils', 14);
  const snilsOk = snils === null ? null : validateSnils(snils);
  if (snilsOk && !snilsOk.ok) r.fail('snils', fieldMessage.invalid('snils'));
  const phoneText = r.text('phone', 20);
  const phone = phoneText === null ? null : normalizePhone(phoneText);
  if (phoneText !== null && phone === null) r.fail('phone', fieldMessage.invalid('phone'));
  const person = {
    lastName: r.text('fam', name, true) ?? '',
    firstName: r.text('nam', name, true) ?? '',
    patronymic: r.text('otc', name),
    passportSeries: r.matching('paspser', 4, /^\d{4}$/, true) ?? '',
    passportNumber: r.matching('paspnum', 6, /^\d{6}$/, true) ?? '',
    passportIssuedOn: r.date('paspdate'),
    passportDivisionCode: r.matching('paspcode', 7, /^\d{3}-?\d{3}$/),
    passportIssuedBy: r.text('paspvid', impayBounds.textLengthMax),
    birthDate: r.date('birth'),
    inn,
    snils: snilsOk?.ok ? snilsOk.value : null,
    phone,
  };
  return finish(r, () => ({ kind: 'start', person }));
}

// ---- beneficiaries ----

/** Who a beneficiary is: the spec's `registrationtype`. */
export const beneficiaryKinds = { 0: 'person', 1: 'sole_trader', 2: 'company' } as const;
export type BeneficiaryKind = (typeof beneficiaryKinds)[keyof typeof beneficiaryKinds];

/**
 * `benific/reg`: the identifying numbers are checked by kind (a company's INN is 10 digits with
 * a KPP and a 13-digit OGRN; a sole trader's INN 12 digits and OGRNIP 15; a person's INN, if
 * given, 12), and the rest of the long form is kept as sent, for the beneficiary's record.
 */
export type BenificRegCmd = {
  kind: BeneficiaryKind;
  inn: string | null;
  kpp: string | null;
  ogrn: string | null;
  lastName: string;
  firstName: string;
  middleName: string | null;
  /** Every other field of the form, as sent (documents and addresses included). */
  form: Record<string, unknown>;
};

export function parseBenificReg(body: unknown): Parsed<BenificRegCmd> {
  const r = new FieldReader(body);
  const type = r.code('registrationtype', [0, 1, 2] as const);
  const kind = type === null ? null : beneficiaryKinds[type];
  const innLength = kind === 'company' ? 10 : 12;
  const inn = r.text('inn', 12, kind === 'company' || kind === 'sole_trader');
  if (inn !== null && (inn.length !== innLength || !validateInn(inn).ok))
    r.fail('inn', fieldMessage.invalid('inn'));
  const kpp = r.text('kpp', 9, kind === 'company');
  if (kpp !== null && !validateKpp(kpp).ok) r.fail('kpp', fieldMessage.invalid('kpp'));
  const ogrn = r.text('ogrn', 15, kind === 'company' || kind === 'sole_trader');
  if (
    ogrn !== null &&
    kind !== 'person' &&
    !validateOgrn(ogrn, kind === 'company' ? 'company' : 'sole_trader').ok
  )
    r.fail('ogrn', fieldMessage.invalid('ogrn'));
  const innfl = r.text('innfl', 12);
  if (innfl !== null && (innfl.length !== 12 || !validateInn(innfl).ok))
    r.fail('innfl', fieldMessage.invalid('innfl'));
  const lastName = r.text('lastname', impayBounds.nameLengthMax, true);
  const firstName = r.text('firstname', impayBounds.nameLengthMax, true);
  const middleName = r.text('middlename', impayBounds.nameLengthMax);
  for (const field of ['govregistrationdate', 'dirregistrationdate', 'birthdate', 'joiningdate'])
    r.date(field);
  const {
    registrationtype: _type,
    inn: _inn,
    kpp: _kpp,
    ogrn: _ogrn,
    ...form
  } = (body ?? {}) as Record<string, unknown>;
  return finish(r, () => ({
    kind: kind ?? 'person',
    inn,
    kpp,
    ogrn,
    lastName: lastName ?? '',
    firstName: firstName ?? '',
    middleName,
    form,
  }));
}

// ---- account ----

/** A period of a list or statement: epoch milliseconds, `to` inclusive of its whole day. */
export type Period = { fromMs: number; toMs: number };

const dayMs = 24 * 60 * 60 * 1000;

function period(r: FieldReader): Period | null {
  const from = r.instant('datefrom', true);
  const toText = r.given('dateto');
  const to = r.instant('dateto', true);
  if (from === null || to === null) return null;
  // a bare date means the whole day: `dateto: 2024-03-31` includes the 31st
  const toMs = typeof toText === 'string' && /^[\d.-]{10}$/.test(toText) ? to + dayMs - 1 : to;
  return from <= toMs
    ? { fromMs: from, toMs }
    : r.fail('dateto', fieldMessage.tooSmall('dateto', String(r.given('datefrom'))));
}

/** `account/operations`: `type` narrows to one kind of operation (plan: 0 pay-ins, 1 payouts). */
export type OperationsCmd = { type: number | null; period: Period };

export function parseOperations(body: unknown): Parsed<OperationsCmd> {
  const r = new FieldReader(body);
  const type = r.int('type', 0, 99);
  const range = period(r);
  return finish(r, () => ({ type, period: range as Period }));
}

export type StatementsCmd = { account: string | null; period: Period };

export function parseStatements(body: unknown): Parsed<StatementsCmd> {
  const r = new FieldReader(body);
  const account = r.matching('account', 20, /^\d{20}$/);
  const range = period(r);
  return finish(r, () => ({ account, period: range as Period }));
}
