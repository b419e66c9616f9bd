import pino, { type Logger } from 'pino';

/**
 * Card numbers and CVCs never reach a log. First lock: they travel as `Secret` values, which
 * print as `[redacted]`. Second lock: pino removes fields with card-ish names. Third: any
 * run of 13–19 digits in a logged URL, message or error is masked before it is written.
 */
const redactPaths = [
  'pan',
  'cvc',
  'cvv',
  'card',
  'cvc2',
  'cardnum',
  'cardnumber',
  'card_number',
  'password',
  '*.pan',
  '*.cvc',
  '*.cvv',
  '*.cvc2',
  '*.card',
  '*.cardnum',
  '*.cardnumber',
  '*.card_number',
  '*.password',
  '*.secret',
  '*.key',
  '*.*.pan',
  '*.*.cvc',
  '*.*.cvv',
  '*.*.cvc2',
  '*.*.card',
  '*.*.cardnum',
  '*.*.cardnumber',
  '*.*.card_number',
  '*.*.password',
  'req.headers.authorization',
  'req.headers["x-token"]',
];

/** 13–19 digits, also written in groups with spaces or dashes ("4111 1111 1111 1111"). */
const cardLike = /\d(?:[ -]?\d){12,18}/g;

export const maskDigits = (text: string): string =>
  text.replace(cardLike, (run) => {
    const digits = run.replace(/\D/g, '');
    return `${digits.slice(0, 6)}***${digits.slice(-4)}`;
  });

/** Card fields passed in a query string (`?cvc=123`) are dropped from logged URLs. */
const cardParams = /([?&](?:cvc2?|cvv2?|csc|pan|card|cardnum|card_?number|cardholder)=)[^&#]*/gi;
export const safeUrl = (url: string): string => maskDigits(url.replace(cardParams, '$1[redacted]'));

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: safeUrl(req.url ?? ''),
        }),
        // An error's message or stack may quote a card number (a driver echoing a parameter).
        err: (error: unknown) => {
          if (typeof error === 'string') return maskDigits(error);
          if (error === null || typeof error !== 'object') return error;
          const out = pino.stdSerializers.err(error as Error);
          if (typeof out.message === 'string') out.message = maskDigits(out.message);
          if (typeof out.stack === 'string') out.stack = maskDigits(out.stack);
          return out;
        },
      },
      hooks: {
        logMethod(args, method) {
          const safe = args.map((a) => (typeof a === 'string' ? maskDigits(a) : a)) as Parameters<
            typeof method
          >;
          // Without a message pino would use the error's own, unmasked: give it the masked one.
          const first: unknown = safe[0];
          if (safe.length === 1 && typeof first === 'object' && first !== null) {
            const o = first as { err?: unknown; msg?: unknown };
            const error = first instanceof Error ? first : o.msg === undefined ? o.err : undefined;
            if (error instanceof Error) (safe as unknown[]).push(maskDigits(error.message));
          }
          return method.apply(this, safe);
        },
      },
    },
    options.destination,
  );
}
