import { inspect } from 'node:util';

/**
 * A value that must never be printed: card numbers, CVCs, keys. It masks itself in JSON,
 * `console.log`, string templates and pino; reading it takes a deliberate `reveal()`, which
 * is what a reviewer greps for.
 */
export class Secret<T> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
