import pino, { type Logger } from 'pino';

/**
 * Card numbers and CVCs never reach a log. First lock: they travel as `Secret` values, which
 * print as `[redacted]`. Second lock: pino removes fields with card-ish names. Third: any
 * run of 13–19 digits in a logged URL or message is masked before it is written.
 */
const redactPaths = [
  'pan',
  'cvc',
  'cvv',
  'card',
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
  'req.headers.authorization',
  'req.headers["x-token"]',
];

export const maskDigits = (text: string): string =>
  text.replace(/\d{13,19}/g, (run) => `${run.slice(0, 6)}***${run.slice(-4)}`);

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: maskDigits(req.url ?? ''),
        }),
      },
      hooks: {
        logMethod(args, method) {
          const safe = args.map((a) => (typeof a === 'string' ? maskDigits(a) : a)) as Parameters<
            typeof method
          >;
          return method.apply(this, safe);
        },
      },
    },
    options.destination,
  );
}
