import type { DeclineReason } from '../../acquiring/connector.ts';
import type { Currency } from '../../domain/currency.ts';
import { formatMajor } from '../../domain/money.ts';
import type { PaymentStatus } from '../../domain/states.ts';
import type { CardFormError } from './card-form.ts';

/**
 * The pages speak Russian and English. The language comes from `?lang=`, then the cookie a
 * previous `?lang=` set, then `Accept-Language`; Russian when nothing says otherwise, as most
 * payers of a Russian gateway read it. Every text lives here, one table per language, typed
 * so a key missing from one language is a compile error.
 */
export const langs = ['ru', 'en'] as const;
export type Lang = (typeof langs)[number];

export const isLang = (value: unknown): value is Lang => value === 'ru' || value === 'en';

/** `en-GB,en;q=0.9,ru;q=0.8` → the best supported language, or null. */
export function langFromAcceptLanguage(header: string | undefined): Lang | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .slice(0, 32) // a header is short; a long one is junk and only the first entries count
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find(Boolean);
      // q as thousandths, an integer: no floating point needed to rank three digits
      const weight = q === undefined ? 1000 : Math.round(Number(q) * 1000);
      return { primary: tag.split('-')[0] ?? '', weight, index };
    })
    .filter((x) => x.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranked.map((x) => x.primary).find(isLang) ?? null;
}

export function pickLang(
  query: unknown,
  cookie: string | undefined,
  acceptLanguage: string | undefined,
): Lang {
  if (isLang(query)) return query;
  if (isLang(cookie)) return cookie;
  return langFromAcceptLanguage(acceptLanguage) ?? 'ru';
}

const symbols: Partial<Record<Currency, string>> = { RUB: '₽', USD: '$', EUR: '€', GBP: '£', KZT: '₸' };

/**
 * `120598n RUB` → `1 205,98 ₽` (ru) or `₽1,205.98` (en). Works on the digits formatMajor
 * prints, so no amount passes through a float.
 */
export function formatAmount(amountMinor: bigint, currency: Currency, lang: Lang): string {
  const [whole = '0', fraction] = formatMajor(amountMinor, currency).split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, lang === 'ru' ? '\u00a0' : ',');
  const number = fraction === undefined ? grouped : `${grouped}${lang === 'ru' ? ',' : '.'}${fraction}`;
  const symbol = symbols[currency];
  if (lang === 'ru') return `${sign}${number}\u00a0${symbol ?? currency}`;
  return symbol ? `${sign}${symbol}${number}` : `${sign}${number}\u00a0${currency}`;
}

type ResultKind = 'success' | 'refunded' | 'failed' | 'canceled' | 'expired' | 'processing';

const ru = {
  htmlTitle: 'Оплата картой',
  switchTo: 'English',
  merchant: 'Получатель',
  description: 'Назначение',
  descriptionMore: 'Показать полностью',
  descriptionLess: 'Свернуть',
  amountDue: 'К оплате',
  amount: 'Сумма',
  testMode: 'Тестовый режим: деньги не списываются',
  pan: 'Номер карты',
  exp: 'Срок действия',
  expHint: 'ММ/ГГ',
  expHelp: 'Месяц и год, как на карте',
  cvc: 'CVC / CVV',
  cvcHint: '3 цифры на обороте карты',
  holder: 'Имя владельца',
  holderHint: 'Латиницей, как на карте',
  pay: (amount: string) => `Оплатить ${amount}`,
  cancel: 'Отменить и вернуться в магазин',
  secure: 'Данные карты передаются по защищённому соединению. CVC нигде не сохраняется.',
  fixFields: 'Проверьте выделенные поля.',
  declinedTitle: 'Платёж отклонён',
  declinedCard: (mask: string) => `Карта ${mask}.`,
  attemptsLeft: (n: number) => `Попробуйте ещё раз или используйте другую карту. Осталось попыток: ${n}.`,
  cardErrors: {
    required: 'Заполните это поле.',
    pan_invalid: 'Проверьте номер карты.',
    exp_invalid: 'Укажите срок в формате ММ/ГГ.',
    exp_past: 'Срок действия карты истёк.',
    cvc_invalid: 'Введите 3 цифры (4 для American Express).',
    holder_invalid: 'Латинскими буквами, как на карте.',
  } satisfies Record<CardFormError, string>,
  results: {
    success: 'Оплата прошла успешно',
    refunded: 'Платёж возвращён',
    failed: 'Оплата не прошла',
    canceled: 'Платёж отменён',
    expired: 'Время на оплату истекло',
    processing: 'Платёж обрабатывается',
  } satisfies Record<ResultKind, string>,
  resultDetails: {
    success: 'Спасибо! Магазин получит уведомление об оплате.',
    refunded: 'Деньги вернутся на карту.',
    failed: 'Деньги не списаны. Вернитесь в магазин, чтобы оформить платёж заново.',
    canceled: 'Деньги не списаны.',
    expired: 'Деньги не списаны. Вернитесь в магазин, чтобы оформить платёж заново.',
    processing: 'Банк ещё не ответил. Страница обновится сама.',
  } satisfies Record<ResultKind, string>,
  returning: 'Сейчас вы вернётесь в магазин…',
  backToShop: 'Вернуться в магазин',
  threeDsTitle: 'Подтверждение платежа',
  threeDsText: 'Переходим на страницу вашего банка для подтверждения платежа…',
  continue: 'Продолжить',
  notFoundTitle: 'Платёж не найден',
  notFoundText: 'Проверьте ссылку или обратитесь в магазин.',
  forbiddenTitle: 'Форма устарела',
  forbiddenText: 'Платёж не проведён. Откройте страницу оплаты заново и повторите попытку.',
  openPaymentPage: 'Открыть страницу оплаты',
  threeDsRefusedTitle: 'Ответ банка не принят',
  threeDsRefusedText:
    'Подтверждение от банка не удалось проверить, деньги не списаны. Вернитесь к подтверждению платежа и введите код ещё раз.',
  backToConfirmation: 'Вернуться к подтверждению',
  tooManyTitle: 'Слишком много попыток',
  tooManyText: 'Подождите минуту и попробуйте снова.',
  badRequestTitle: 'Неверный запрос',
  badRequestText: 'Страница получила неполные данные. Вернитесь назад и попробуйте снова.',
  serverErrorTitle: 'Что-то пошло не так',
  serverErrorText: 'Мы уже разбираемся. Деньги не списаны, если банк не подтвердил платёж. Попробуйте позже.',
  acsTitle: 'Подтверждение покупки',
  acsBank: 'Kopek Simulator Bank',
  acsIntro: 'Введите одноразовый код, отправленный на ваш телефон, чтобы подтвердить покупку.',
  acsAmount: 'Сумма',
  acsCard: 'Карта',
  acsOtp: 'Одноразовый код',
  acsTestHint: 'Тестовый банк. Код подтверждения:',
  acsConfirm: 'Подтвердить',
  acsCancel: 'Отменить покупку',
  acsReturning: 'Возвращаемся в магазин…',
  acsInvalidTitle: 'Запрос недействителен',
  acsInvalidText: 'Запрос 3-D Secure повреждён или устарел. Вернитесь в магазин и начните оплату заново.',
  acsBack: 'Вернуться к оплате',
  methodTitle: 'Проверка устройства',
  footer: 'Платёжный шлюз Kopek',
};

type Messages = typeof ru;

const en: Messages = {
  htmlTitle: 'Card payment',
  switchTo: 'Русский',
  merchant: 'Pay to',
  description: 'Description',
  descriptionMore: 'Show all',
  descriptionLess: 'Show less',
  amountDue: 'Amount due',
  amount: 'Amount',
  testMode: 'Test mode: no money is moved',
  pan: 'Card number',
  exp: 'Expiry date',
  expHint: 'MM/YY',
  expHelp: 'Month and year, as on the card',
  cvc: 'CVC / CVV',
  cvcHint: '3 digits on the back of the card',
  holder: 'Cardholder name',
  holderHint: 'In Latin letters, as on the card',
  pay: (amount: string) => `Pay ${amount}`,
  cancel: 'Cancel and return to the shop',
  secure: 'Card details travel over a secure connection. The CVC is never stored.',
  fixFields: 'Please check the highlighted fields.',
  declinedTitle: 'Payment declined',
  declinedCard: (mask: string) => `Card ${mask}.`,
  attemptsLeft: (n: number) => `Try again or use another card. Attempts left: ${n}.`,
  cardErrors: {
    required: 'This field is required.',
    pan_invalid: 'Check the card number.',
    exp_invalid: 'Enter the date as MM/YY.',
    exp_past: 'This card has expired.',
    cvc_invalid: 'Enter 3 digits (4 for American Express).',
    holder_invalid: 'Latin letters, as printed on the card.',
  },
  results: {
    success: 'Payment successful',
    refunded: 'Payment refunded',
    failed: 'Payment failed',
    canceled: 'Payment canceled',
    expired: 'This payment has expired',
    processing: 'Payment is being processed',
  },
  resultDetails: {
    success: 'Thank you! The shop will be notified of your payment.',
    refunded: 'The money goes back to the card.',
    failed: 'No money was taken. Return to the shop to start a new payment.',
    canceled: 'No money was taken.',
    expired: 'No money was taken. Return to the shop to start a new payment.',
    processing: 'The bank has not answered yet. This page refreshes by itself.',
  },
  returning: 'Returning you to the shop…',
  backToShop: 'Return to the shop',
  threeDsTitle: 'Payment confirmation',
  threeDsText: 'Taking you to your bank to confirm the payment…',
  continue: 'Continue',
  notFoundTitle: 'Payment not found',
  notFoundText: 'Check the link or contact the shop.',
  forbiddenTitle: 'This form has expired',
  forbiddenText: 'No payment was made. Open the payment page again and retry.',
  openPaymentPage: 'Open the payment page',
  threeDsRefusedTitle: 'The answer from your bank was not accepted',
  threeDsRefusedText:
    'The confirmation from your bank could not be verified, and no money was taken. Go back to the confirmation and enter the code again.',
  backToConfirmation: 'Back to the confirmation',
  tooManyTitle: 'Too many attempts',
  tooManyText: 'Please wait a minute and try again.',
  badRequestTitle: 'Bad request',
  badRequestText: 'The page received incomplete data. Go back and try again.',
  serverErrorTitle: 'Something went wrong',
  serverErrorText:
    'We are looking into it. No money is taken unless the bank confirmed the payment. Please try later.',
  acsTitle: 'Purchase authentication',
  acsBank: 'Kopek Simulator Bank',
  acsIntro: 'Enter the one-time code sent to your phone to confirm this purchase.',
  acsAmount: 'Amount',
  acsCard: 'Card',
  acsOtp: 'One-time code',
  acsTestHint: 'Test bank. The confirmation code is:',
  acsConfirm: 'Confirm',
  acsCancel: 'Cancel purchase',
  acsReturning: 'Returning to the merchant…',
  acsInvalidTitle: 'Invalid request',
  acsInvalidText: 'This 3-D Secure request is damaged or has expired. Return to the shop and start again.',
  acsBack: 'Back to the payment',
  methodTitle: 'Checking your device',
  footer: 'Kopek payment gateway',
};

export const messages: Record<Lang, Messages> = { ru, en };

/** What a payer is told about a decline: kind, actionable, and never the bank's raw text. */
export const declineReasons: Record<Lang, Record<DeclineReason, string>> = {
  ru: {
    do_not_honor: 'Банк отклонил платёж. Обратитесь в банк или используйте другую карту.',
    insufficient_funds: 'Недостаточно средств на карте.',
    expired_card: 'Срок действия карты истёк.',
    // lost and stolen read the same to the payer: the page never accuses anyone
    lost_card: 'Карта заблокирована. Обратитесь в банк, выпустивший карту.',
    stolen_card: 'Карта заблокирована. Обратитесь в банк, выпустивший карту.',
    invalid_card: 'Неверные данные карты. Проверьте номер, срок действия и CVC.',
    processing_error: 'Банк не смог обработать платёж. Попробуйте ещё раз чуть позже.',
    authentication_failed: 'Платёж не подтверждён: код 3-D Secure не принят.',
    not_permitted: 'Эту карту нельзя использовать для такого платежа.',
  },
  en: {
    do_not_honor: 'Your bank declined the payment. Contact your bank or use another card.',
    insufficient_funds: 'There are not enough funds on the card.',
    expired_card: 'The card has expired.',
    lost_card: 'The card is blocked. Contact the bank that issued it.',
    stolen_card: 'The card is blocked. Contact the bank that issued it.',
    invalid_card: 'Invalid card details. Check the number, expiry date and CVC.',
    processing_error: 'The bank could not process the payment. Please try again shortly.',
    authentication_failed: 'The payment was not confirmed: the 3-D Secure code was not accepted.',
    not_permitted: 'This card cannot be used for this payment.',
  },
};

export function declineText(lang: Lang, reason: string): string {
  const table = declineReasons[lang];
  return Object.hasOwn(table, reason) ? table[reason as DeclineReason] : table.do_not_honor;
}

/** Which result a payer sees for a status the form is no longer open in. */
export const resultKind = {
  created: 'processing',
  pending: 'processing',
  unknown: 'processing',
  authorized: 'success',
  captured: 'success',
  partially_refunded: 'refunded',
  refunded: 'refunded',
  failed: 'failed',
  canceled: 'canceled',
  expired: 'expired',
} as const satisfies Record<PaymentStatus, ResultKind>;
