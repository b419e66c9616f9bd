/**
 * Server-side HTML with escaping by default. Every value interpolated into `html`…`` is
 * escaped unless it is itself the result of `html` (or of `raw`, for the rare constant
 * markup). Merchant text (name, description), URLs and anything from a request therefore
 * cannot inject markup: forgetting to escape would take a deliberate `raw()`.
 */
export class Html {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

type Value = Html | string | number | bigint | boolean | null | undefined | readonly Value[];

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export const escapeHtml = (text: string): string => text.replace(/[&<>"'`]/g, (c) => entities[c]!);

function piece(value: Value): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(piece).join('');
  // false/null/undefined render nothing, so `${cond && html`…`}` reads naturally.
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Trusted constant markup only; never pass request or merchant data. */
export const raw = (markup: string): Html => new Html(markup);
