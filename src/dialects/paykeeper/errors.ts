import type { EngineErrorCode } from '../../domain/errors.ts';
import type { PkAmountProblem } from './amounts.ts';
import type { CartProblem } from './cart.ts';
import type { ExpiryProblem } from './dates.ts';
import type { ReverseProblem } from './map.ts';

/**
 * Every failure PayKeeper's clients see, as the document they receive: HTTP 200 with
 * `{"result":"fail","msg":…}` (spec 7), plus `error_code` where PayKeeper sends one. The
 * texts COMPAT.md quotes are exact (clients match them); the spec gives no other wording, so
 * the rest are written in the same voice: Russian, one sentence, ending with a period.
 */
export type PkFail = { result: 'fail'; msg: string; error_code?: number };

const failOf = (msg: string, error_code?: number): PkFail =>
  error_code === undefined ? { result: 'fail', msg } : { result: 'fail', msg, error_code };

/** The texts clients depend on, byte for byte (COMPAT.md). */
export const pkExactTexts = {
  badToken: 'Токен безопасности не верен.',
  invoiceNotFound: 'Счёт не найден.',
} as const;

/** A missing, empty or wrong POST `token`: clients fetch a fresh one and retry on 67. */
export const badTokenFail: PkFail = failOf(pkExactTexts.badToken, 67);

/** Every engine failure in PayKeeper's words; total, so a new engine code fails to compile here. */
export const pkEngineFail = {
  invalid_amount: failOf('Неверная сумма.'),
  invalid_currency: failOf('Неверная валюта.'),
  invalid_card: failOf('Неверные данные карты.'),
  invalid_argument: failOf('Неверные параметры запроса.'),
  merchant_not_found: failOf('Организация не найдена.'),
  merchant_disabled: failOf('Приём платежей для организации отключён.'),
  payment_not_found: failOf('Платёж не найден.'),
  refund_not_found: failOf('Возврат не найден.'),
  payout_not_found: failOf('Выплата не найдена.'),
  card_not_found: failOf('Карта не найдена.'),
  invoice_not_found: failOf(pkExactTexts.invoiceNotFound),
  service_not_found: failOf('Платёжная система не найдена.'),
  user_not_found: failOf('Пользователь не найден.'),
  exists_with_different_amount: failOf('Платёж с таким номером заказа уже создан с другой суммой.'),
  exists_with_different_currency: failOf('Платёж с таким номером заказа уже создан в другой валюте.'),
  exists_with_different_request: failOf('Запрос с таким идентификатором уже выполнен с другими параметрами.'),
  illegal_transition: failOf('Операция недоступна в текущем статусе платежа.'),
  payment_expired: failOf('Срок оплаты истёк.'),
  attempts_exhausted: failOf('Исчерпано число попыток оплаты.'),
  capture_exceeds_authorized: failOf('Сумма списания превышает заблокированную сумму.'),
  refund_exceeds_captured: failOf('Сумма возврата превышает остаток платежа.'),
  refund_limit_reached: failOf('Превышено допустимое количество возвратов за сутки.'),
  insufficient_balance: failOf('Недостаточно средств на балансе для возврата.'),
  currency_mismatch: failOf('Валюта не совпадает с валютой платежа.'),
  declined: failOf('Операция отклонена банком.'),
  connector_unavailable: failOf('Банк временно недоступен, повторите попытку позже.'),
} as const satisfies Record<EngineErrorCode, PkFail>;

/** Failures the dialect finds itself, before or beside the engine. */
export const pkDialectFail = {
  bad_token: badTokenFail,
  refund_not_allowed: failOf('У пользователя нет права на возврат платежей.'),
  refund_daily_limit: failOf('Превышено допустимое количество возвратов за сутки.'),
  admin_only: failOf('Операция доступна только администратору.'),
  user_login_taken: failOf('Пользователь с таким логином уже существует.'),
  user_self_delete: failOf('Нельзя удалить текущего пользователя.'),
  setting_unknown: failOf('Неизвестный параметр настроек.'),
  setting_value_missing: failOf('Не указано новое значение параметра.'),
  formfield_sum_locked: failOf('Поле sum изменить нельзя.'),
  formfield_unknown: failOf('Поле формы не найдено.'),
  report_email_not_found: failOf('Адрес рассылки не найден.'),
  export_type: failOf('Неподдерживаемый тип файла экспорта.'),
  payment_not_two_stage: failOf('Платёж не является двухстадийным.'),
  payment_not_obtained: failOf('Платёж ещё не получен.'),
  form_sign: failOf('Неверная подпись формы.'),
  unauthorized: failOf('Неверный логин или пароль.'),
  unknown_method: failOf('Неизвестный метод API.'),
  bad_request: failOf('Неверный формат запроса.'),
  internal: failOf('Внутренняя ошибка сервера, повторите запрос позже.'),
} as const satisfies Record<string, PkFail>;
export type PkDialectFailCode = keyof typeof pkDialectFail;

/** One request field failed: which, in PayKeeper's field name, and why. */
export const fieldFail = (field: string, problem: string): PkFail => failOf(`${problem} (${field})`);

const amountTexts = {
  missing: 'Не указана сумма.',
  not_a_sum: 'Сумма должна быть числом, разделитель дробной части – точка.',
  too_many_decimals: 'Сумма может содержать не более двух знаков после точки.',
  zero: 'Сумма должна быть больше нуля.',
  too_large: 'Сумма слишком велика.',
} as const satisfies Record<PkAmountProblem, string>;

export const amountFail = (field: string, problem: PkAmountProblem): PkFail =>
  fieldFail(field, amountTexts[problem]);

const expiryTexts = {
  not_a_date: 'Срок действия счёта должен быть в формате YYYY-MM-DD или YYYY-MM-DD HH:MM:SS.',
  in_the_past: 'Срок действия счёта уже истёк.',
} as const satisfies Record<ExpiryProblem, string>;

export const expiryFail = (problem: ExpiryProblem): PkFail => fieldFail('expiry', expiryTexts[problem]);

const reverseTexts = {
  amount_required: 'Для частичного возврата укажите сумму.',
  amount_exceeds_remaining: 'Сумма возврата превышает остаток платежа.',
  full_with_partial_amount: 'Сумма полного возврата должна совпадать с остатком платежа.',
  nothing_left: 'Платёж уже возвращён полностью.',
} as const satisfies Record<ReverseProblem, string>;

export const reverseFail = (problem: ReverseProblem): PkFail => failOf(reverseTexts[problem]);

/** Validation texts of single fields, keyed by what is wrong. */
export const pkFieldTexts = {
  required: 'Обязательный параметр не указан.',
  not_an_id: 'Идентификатор должен состоять из цифр.',
  not_a_day: 'Дата должна быть в формате YYYY-MM-DD.',
  not_a_count: 'Значение должно быть целым неотрицательным числом.',
  limit_too_large: 'Значение не может быть больше 1000.',
  not_a_status: 'Недопустимый статус.',
  not_a_flag: 'Значение должно быть true или false.',
  not_an_email: 'Некорректный адрес электронной почты.',
  not_a_url: 'Некорректный URL.',
  too_long: 'Значение слишком длинное.',
  not_an_order: 'Порядок сортировки должен быть целым числом от 0 до 10000.',
  not_a_field_type: 'Недопустимый тип поля.',
  not_an_informer_type: 'Режим информера может быть post или email.',
  not_a_port: 'Порт должен быть числом от 1 до 65535.',
  // settings and users (spec 4–5)
  not_a_host: 'Некорректный адрес SMTP сервера.',
  not_on_off: 'Значение должно быть on, off, true или false.',
  not_a_secret: 'Значение должно содержать от 1 до 200 печатных символов.',
  not_a_button_list: 'Список кнопок должен состоять из значений вида bank.method.',
  not_a_login: 'Логин должен содержать от 3 до 64 символов: латинские буквы, цифры, . _ @ -.',
  not_a_password: 'Пароль должен содержать не менее 8 символов.',
  not_a_refund_count: 'Количество возвратов должно быть целым числом от 0 до 1000000.',
  too_many_report_emails: 'В списке рассылки слишком много адресов.',
} as const;
export type PkFieldProblem = keyof typeof pkFieldTexts;

export const fieldProblemFail = (field: string, problem: PkFieldProblem): PkFail =>
  fieldFail(field, pkFieldTexts[problem]);

const cartTexts = {
  not_json: 'Корзина должна быть массивом JSON.',
  empty: 'Корзина пуста.',
  too_many_lines: 'В корзине слишком много позиций.',
  not_an_object: 'Позиция корзины должна быть объектом.',
  name_missing: 'Не указано наименование.',
  name_too_long: 'Наименование длиннее 128 символов.',
  number_invalid: 'Значение должно быть неотрицательным числом, разделитель дробной части – точка.',
  quantity_zero: 'Количество должно быть больше нуля.',
  tax_invalid: 'Недопустимая ставка налога.',
  item_type_invalid: 'Недопустимый признак предмета расчёта.',
  payment_type_invalid: 'Недопустимый признак способа расчёта.',
  total_mismatch: 'Сумма позиций корзины не равна сумме платежа.',
} as const satisfies Record<CartProblem['problem'], string>;

/** `Корзина, позиция 2 (price): …`: the line (from 1) and the field, as a cabinet user reads them. */
export function cartFail(p: CartProblem): PkFail {
  const where = p.line === undefined ? 'Корзина' : `Корзина, позиция ${p.line}`;
  const field = p.field === undefined ? '' : ` (${p.field})`;
  return failOf(`${where}${field}: ${cartTexts[p.problem]}`);
}
