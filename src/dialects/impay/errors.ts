import type { EngineError, EngineErrorCode } from '../../domain/errors.ts';
import type { TransportError } from './wire.ts';

/**
 * Every refusal ImPay's wire can carry, in ImPay's words (Russian): business refusals are
 * HTTP 200 `{status:0, message}` (a bank's refusal of a create: `status:2`), field errors name
 * the field, and transport errors (400/401/403) are the framework's `{name,message,code,status}`.
 */

export type ImpayFail = { status: 0 | 2; message: string };

export const messages = {
  notFound: 'Счет не найден',
  notUnique: 'Нарушение уникальности запроса',
  cardNotFound: 'Карта не найдена',
  shortBalance: 'Недостаточно средств на счете',
  declined: 'Отказ в проведении операции',
} as const;

/**
 * Each engine failure as ImPay answers it; total, so a new engine code is a compile error
 * here instead of a 500. ImPay calls every operation a "счет" (bill), so an unknown payment,
 * payout or invoice is the same "Счет не найден" (COMPAT.md, pay/state).
 */
export const impayFail = {
  invalid_amount: { status: 0, message: 'Неверная сумма платежа' },
  invalid_currency: { status: 0, message: 'Неверная валюта платежа' },
  invalid_card: { status: 0, message: 'Неверные данные карты' },
  invalid_argument: { status: 0, message: 'Неверные параметры запроса' },
  merchant_not_found: { status: 0, message: 'Мерчант не найден' },
  merchant_disabled: { status: 0, message: 'Мерчант заблокирован' },
  payment_not_found: { status: 0, message: messages.notFound },
  refund_not_found: { status: 0, message: messages.notFound },
  payout_not_found: { status: 0, message: messages.notFound },
  card_not_found: { status: 0, message: messages.cardNotFound },
  invoice_not_found: { status: 0, message: messages.notFound },
  service_not_found: { status: 0, message: 'Услуга не найдена' },
  user_not_found: { status: 0, message: 'Пользователь не найден' },
  exists_with_different_amount: { status: 0, message: messages.notUnique },
  exists_with_different_currency: { status: 0, message: messages.notUnique },
  exists_with_different_request: { status: 0, message: messages.notUnique },
  illegal_transition: { status: 0, message: 'Операция недоступна в текущем статусе' },
  payment_expired: { status: 0, message: 'Время оплаты истекло' },
  attempts_exhausted: { status: 0, message: 'Превышено число попыток оплаты' },
  capture_exceeds_authorized: { status: 0, message: 'Сумма превышает холдированную сумму' },
  refund_exceeds_captured: { status: 0, message: 'Сумма возврата превышает сумму платежа' },
  refund_limit_reached: { status: 0, message: 'Превышено число возвратов за сутки' },
  insufficient_balance: { status: 0, message: messages.shortBalance },
  currency_mismatch: { status: 0, message: 'Неверная валюта платежа' },
  // the bank refused the operation itself: ImPay's status 2 (COMPAT.md)
  declined: { status: 2, message: messages.declined },
  connector_unavailable: { status: 0, message: 'Банк временно недоступен, повторите запрос позже' },
} as const satisfies Record<EngineErrorCode, ImpayFail>;

export const failOf = (error: EngineError): ImpayFail => impayFail[error.code];

const isIdempotencyConflict = (code: EngineErrorCode): boolean => code.startsWith('exists_with_different_');

/**
 * Operations whose answer carries an `id`: an idempotency refusal there is `{status:0, id:0,
 * message}`, where hosted-page creates (`pay/lk`, `hold/create`, `card/reg`) answer the bare
 * `{status:0, message}` (COMPAT.md: what real clients expect).
 */
const refusalWithZeroId = new Set([
  'pay/auto',
  'pay/start',
  'out/paycard',
  'out/payul',
  'out/payacc',
  'out/ndfl',
]);

/** An engine failure of operation `path` as ImPay's answer body. */
export function refusalOf(path: string, error: EngineError): ImpayFail & { id?: 0 } {
  const answer: ImpayFail = failOf(error);
  if (isIdempotencyConflict(error.code) && refusalWithZeroId.has(path))
    return { status: 0, id: 0, message: answer.message };
  return { status: answer.status, message: answer.message };
}

// ---- field errors ----

/** One violation of a request field: the wire name, and ImPay's message naming it. */
export type FieldError = { field: string; message: string };

/**
 * What a field is called in messages: the spec's own descriptions. ImPay's back end (Yii)
 * puts the field's label into its validators' standard Russian messages.
 */
export const fieldLabels: Readonly<Record<string, string>> = {
  amount: 'Сумма платежа',
  extid: 'Внешний идентификатор',
  document_id: 'Номер договора',
  fullname: 'ФИО клиента',
  timeout: 'Тайм-аут',
  successurl: 'Url возврата (успех)',
  failurl: 'Url возврата (ошибка)',
  cancelurl: 'Url возврата (отказ)',
  type: 'Тип карты',
  card: 'Идентификатор карты',
  cardnum: 'Номер карты',
  cardnumber: 'Номер карты',
  cardholder: 'Держатель карты',
  cardmonth: 'Срок действия (мм)',
  cardyear: 'Срок действия (гг)',
  cardcvc: 'CVC/CVV код',
  id: 'Идентификатор запроса',
  name: 'Наименование получателя',
  fio: 'ФИО получателя',
  inn: 'ИНН',
  kpp: 'КПП',
  bic: 'БИК',
  account: 'Счет',
  descript: 'Назначение платежа',
  pares: 'Данные для авторизации (3DS v1)',
  md: 'Параметр md',
  cres: 'Данные для подтверждения 3DS v2',
  auth3ds: 'Данные для авторизации (3DS v2)',
  dstransid: 'Идентификатор транзакции DS',
  eci: 'ECI',
  threedsservertransid: 'Идентификатор транзакции 3DS v2',
  kbk: 'КБК',
  okato: 'ОКАТО',
  paymentbase: 'Основание платежа',
  taxperiod: 'Налоговый период',
  taxdocnum: 'Номер налогового документа',
  taxdocdate: 'Дата налогового документа',
  taxpaymenttype: 'Тип налогового платежа',
  sendername: 'Наименование отправителя',
  senderadress: 'Адрес отправителя',
  senderaccount: 'Счет отправителя',
  fam: 'Фамилия',
  nam: 'Имя',
  otc: 'Отчество',
  paspser: 'Серия паспорта',
  paspnum: 'Номер паспорта',
  paspdate: 'Дата выдачи паспорта',
  paspcode: 'Код подразделения паспорта',
  paspvid: 'Кем выдан паспорт',
  phone: 'Телефон',
  phonecode: 'Код отправленный на телефон',
  birth: 'Дата рождения',
  snils: 'СНИЛС',
  registrationtype: 'Тип регистрации',
  ogrn: 'ОГРН',
  innfl: 'ИНН ген.директора',
  lastname: 'Фамилия',
  firstname: 'Имя',
  middlename: 'Отчество',
  govregistrationdate: 'Дата государственной регистрации',
  dirregistrationdate: 'Дата назначения на должность',
  birthdate: 'Дата рождения',
  joiningdate: 'Дата присоединения',
  datefrom: 'Дата начала',
  dateto: 'Дата окончания',
};

const labelOf = (field: string): string => fieldLabels[field] ?? field;

/** Russian plural of "символ" for a count: 1 символ, 2 символа, 5 символов. */
function characters(n: number): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return 'символ';
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return 'символа';
  return 'символов';
}

/** Yii's Russian validator messages, with the field's label. */
export const fieldMessage = {
  required: (field: string) => `Необходимо заполнить «${labelOf(field)}».`,
  notText: (field: string) => `Значение «${labelOf(field)}» должно быть строкой.`,
  notNumber: (field: string) => `Значение «${labelOf(field)}» должно быть числом.`,
  notInteger: (field: string) => `Значение «${labelOf(field)}» должно быть целым числом.`,
  tooLong: (field: string, max: number) =>
    `Значение «${labelOf(field)}» должно содержать максимум ${max} ${characters(max)}.`,
  tooSmall: (field: string, min: number | string) =>
    `Значение «${labelOf(field)}» должно быть не меньше ${min}.`,
  tooBig: (field: string, max: number | string) => `Значение «${labelOf(field)}» не должно превышать ${max}.`,
  notUrl: (field: string) => `Значение «${labelOf(field)}» не является правильным URL.`,
  invalid: (field: string) => `Значение «${labelOf(field)}» неверно.`,
} as const;

export const fieldError = (field: string, message: string): FieldError => ({ field, message });

/** A request with violations is refused with the first one, as ImPay reports one at a time. */
export const fieldRefusal = (errors: readonly [FieldError, ...FieldError[]]): ImpayFail => ({
  status: 0,
  message: errors[0].message,
});

// ---- transport errors ----

/**
 * Refusals before any business rule, in the framework's format with its English texts (ImPay
 * runs on Yii 2). `code` is 0 as Yii writes for HTTP exceptions.
 */
export const transportErrors = {
  /** No X-Login / X-Token, or no body. */
  badRequest: { name: 'Bad Request', message: 'Missing required parameters', code: 0, status: 400 },
  /** Unknown login or wrong token. */
  unauthorized: {
    name: 'Unauthorized',
    message: 'Your request was made with invalid credentials.',
    code: 0,
    status: 401,
  },
  /** The merchant's IP allow-list does not hold the caller's address. */
  forbidden: {
    name: 'Forbidden',
    message: 'You are not allowed to perform this action.',
    code: 0,
    status: 403,
  },
} as const satisfies Record<string, TransportError>;

/** The framework's other refusals, in the same format (Yii's texts). */
export const frameworkRefusals = {
  notFound: { name: 'Not Found', message: 'Page not found.', code: 0, status: 404 },
  methodNotAllowed: {
    name: 'Method Not Allowed',
    message: 'Method Not Allowed. This URL can only handle the following request methods: POST.',
    code: 0,
    status: 405,
  },
  /** A body that is not JSON (or claims JSON and is not). */
  badJson: {
    name: 'Bad Request',
    message: 'Invalid JSON data in request body: Syntax error.',
    code: 0,
    status: 400,
  },
  internal: {
    name: 'Internal Server Error',
    message: 'An internal server error occurred.',
    code: 0,
    status: 500,
  },
} as const satisfies Record<string, TransportError>;
