import type { ThreeDsChallenge } from '../../acquiring/connector.ts';
import type { Payment } from '../../engine/payments/view.ts';
import type { Assets } from './assets.ts';
import { type CardField, type CardFormErrors, cardFields } from './card-form.ts';
import { declineText, formatAmount, type Lang, messages, resultKind } from './i18n.ts';
import { page } from './layout.ts';
import { type Html, html } from './render.ts';
import { httpUrl, pageLimits } from './security.ts';

/** The payer's pages: the card form, the hop to the bank, the result, and the error pages. */
type Common = { lang: Lang; assets: Assets };
export type PaymentContext = Common & {
  payment: Payment;
  merchantName: string;
  /** The merchant skips the result page: a final payment sends the payer straight back (303). */
  skipResultPage?: boolean;
};

/**
 * `here` (a path and query that GETs the page being shown) with `lang` set: the same page in
 * that language. Only the path and query are kept, so the link never leaves this host.
 */
export function withLang(here: string, lang: Lang): string | null {
  try {
    const url = new URL(here, 'http://pages.invalid');
    url.searchParams.set('lang', lang);
    return `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
  } catch {
    return null;
  }
}

/** A link to the page at `here` in the other language; nothing when there is no such page. */
const langSwitch = (lang: Lang, here: string | undefined): Html | null => {
  const other = lang === 'ru' ? 'en' : 'ru';
  const href = here === undefined ? null : withLang(here, other);
  return href
    ? html`<a class="lang-switch" href="${href}" hreflang="${other}" lang="${other}">${messages[lang].switchTo}</a>`
    : null;
};

/** The payment page itself: what a language switch on any of its pages (or error pages) reloads. */
const payUrl = (p: Payment): string => `/pay/${p.publicId}`;

/** Descriptions longer than this show a preview of a few lines and expand on demand. */
const descriptionPreviewMax = 140;

function description(lang: Lang, text: string): Html {
  const t = messages[lang];
  const chars = Array.from(text); // by code point: a preview never splits a surrogate pair
  const label = html`<span class="visually-hidden">${t.description}: </span>`;
  if (chars.length <= descriptionPreviewMax) return html`<p class="description">${label}${text}</p>`;
  const head = chars.slice(0, descriptionPreviewMax - 20).join('');
  const space = head.lastIndexOf(' ');
  const preview = (space > head.length / 2 ? head.slice(0, space) : head).trimEnd();
  return html`<details class="description" id="description">
    <summary>${label}<span class="description-preview">${preview}…</span> <span class="description-more">${t.descriptionMore}</span><span class="description-less">${t.descriptionLess}</span></summary>
    <p class="description-full" id="description-full">${text}</p>
  </details>`;
}

/** Merchant, amount and description; `due` on the form, a plain "amount" once it is settled. */
function summary(c: PaymentContext, due = false): Html {
  const t = messages[c.lang];
  const p = c.payment;
  return html`<header class="summary">
  <div class="summary-top">
    <p class="merchant"><span class="visually-hidden">${t.merchant}: </span>${c.merchantName}</p>
    ${langSwitch(c.lang, payUrl(p))}
  </div>
  <p class="amount-label">${due ? t.amountDue : t.amount}</p>
  <p class="amount" id="amount">${formatAmount(p.amountMinor, p.currency, c.lang)}</p>
  ${p.description && description(c.lang, p.description)}
  ${p.testMode && html`<p class="test-mode">${t.testMode}</p>`}
</header>`;
}

export type FormView = PaymentContext & {
  csrf: string;
  errors?: CardFormErrors;
  /** Expiry and holder as typed, shown again after an error; the number and CVC never are. */
  kept?: { exp: string; holder: string };
};

function field(
  v: FormView,
  id: CardField,
  label: string,
  input: (describedBy: string, invalid: Html | null) => Html,
  hint?: string,
): Html {
  const error = v.errors?.[id];
  const describedBy = [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(' ');
  // After a refused submission the first field at fault has the focus, as pay.js gives it.
  const first = cardFields.find((f) => v.errors?.[f]) === id;
  const invalid = error ? html` aria-invalid="true"${first ? html` autofocus` : null}` : null;
  return html`<div class="field field-${id}${error ? ' has-error' : ''}">
    <label for="${id}">${label}</label>
    ${input(describedBy, invalid)}
    ${hint && html`<p class="hint" id="${id}-hint">${hint}</p>`}
    <p class="error" id="${id}-error">${error && messages[v.lang].cardErrors[error]}</p>
  </div>`;
}

export function formPage(v: FormView): string {
  const t = messages[v.lang];
  const p = v.payment;
  const amount = formatAmount(p.amountMinor, p.currency, v.lang);
  const action = `/pay/${p.publicId}`;
  const attemptsLeft = p.attemptsMax - p.attempts;
  const hasErrors = Object.keys(v.errors ?? {}).length > 0;
  // Back from a declined attempt: the focus starts on what happened (unless a field is at fault).
  const declined =
    p.attempts > 0 &&
    p.decline &&
    html`<div class="alert alert-decline" role="alert" id="decline" data-reason="${p.decline.reason}" tabindex="-1"${hasErrors ? null : html` autofocus`}>
  <p class="alert-title">${t.declinedTitle}</p>
  <p>${declineText(v.lang, p.decline.reason)}${p.card && html` ${t.declinedCard(p.card.mask)}`}</p>
  <p id="attempts-left" data-attempts-left="${attemptsLeft}">${t.attemptsLeft(attemptsLeft)}</p>
</div>`;
  const body = html`<main class="sheet">
${summary(v, true)}
${declined}
<p class="alert alert-fields" id="form-error" role="alert"${hasErrors ? null : html` hidden`}>${t.fixFields}</p>
<form id="pay-form" method="post" action="${action}" data-errors="${JSON.stringify(t.cardErrors)}">
  <input type="hidden" name="csrf" value="${v.csrf}">
  ${field(
    v,
    'pan',
    t.pan,
    (d, invalid) => html`<div class="pan-box">
      <input id="pan" name="pan" type="text" inputmode="numeric" autocomplete="cc-number" required
        maxlength="23" placeholder="0000 0000 0000 0000" spellcheck="false" aria-describedby="${d}"${invalid}>
      <span class="brand" id="brand" data-brand="" aria-live="polite"></span>
    </div>`,
  )}
  <div class="field-row">
    ${field(
      v,
      'exp',
      t.exp,
      (d, invalid) => html`<input id="exp" name="exp" type="text" inputmode="numeric" autocomplete="cc-exp"
        required maxlength="5" placeholder="${t.expHint}" value="${v.kept?.exp ?? ''}" aria-describedby="${d}"${invalid}>`,
      t.expHelp,
    )}
    ${field(
      v,
      'cvc',
      t.cvc,
      (d, invalid) => html`<input id="cvc" name="cvc" type="text" inputmode="numeric" autocomplete="cc-csc"
        required maxlength="4" placeholder="•••" spellcheck="false" aria-describedby="${d}"${invalid}>`,
      t.cvcHint,
    )}
  </div>
  ${field(
    v,
    'holder',
    t.holder,
    (d, invalid) => html`<input id="holder" name="holder" type="text" autocomplete="cc-name" required
      maxlength="100" autocapitalize="characters" spellcheck="false" placeholder="IVAN IVANOV"
      value="${v.kept?.holder ?? ''}" aria-describedby="${d}"${invalid}>`,
    t.holderHint,
  )}
  <button id="pay" type="submit" class="button-primary">${t.pay(amount)}</button>
</form>
<form id="cancel-form" method="post" action="${action}/cancel">
  <input type="hidden" name="csrf" value="${v.csrf}">
  <button id="cancel" type="submit" class="button-link">${t.cancel}</button>
</form>
<p class="secure">${t.secure}</p>
</main>
${footer(v.lang)}`;
  return page({
    lang: v.lang,
    title: `${t.htmlTitle} — ${v.merchantName}`,
    assets: v.assets,
    body,
    theme: 'pay',
    scripts: ['pay.js'],
  });
}

const footer = (lang: Lang): Html => html`<footer class="footer">${messages[lang].footer}</footer>`;

/**
 * Where a result page sends the payer back to, if the merchant gave such a URL: normalized,
 * and only ever http(s) whatever the row holds (the engine checks on create; this page does
 * not rely on every writer of the row having done so).
 */
export function returnUrlFor(p: Payment): string | null {
  const kind = resultKind[p.status];
  const urls = p.returnUrls;
  if (kind === 'success') return httpUrl(urls.success);
  if (kind === 'failed' || kind === 'expired') return httpUrl(urls.fail);
  if (kind === 'canceled') return httpUrl(urls.cancel ?? urls.fail);
  return null;
}

/** `redirectSeconds`: how long the result shows before the payer is sent back to the shop. */
export function resultPage(v: PaymentContext & { redirectSeconds?: number }): string {
  const t = messages[v.lang];
  const p = v.payment;
  const kind = resultKind[p.status];
  const back = returnUrlFor(p);
  const refresh =
    kind === 'processing'
      ? { seconds: pageLimits.processingRefreshSeconds, url: payUrl(p) }
      : back
        ? { seconds: v.redirectSeconds ?? pageLimits.redirectDelaySeconds, url: back }
        : undefined;
  const reason = (kind === 'failed' && p.decline && declineText(v.lang, p.decline.reason)) || null;
  const body = html`<main class="sheet">
${summary(v)}
<section class="result result-${kind}" aria-live="polite">
  <div class="result-icon" aria-hidden="true"></div>
  <h1 id="result" data-status="${p.status}">${t.results[kind]}</h1>
  ${reason && html`<p class="result-reason">${reason}</p>`}
  <p class="result-detail">${t.resultDetails[kind]}</p>
  ${p.card && kind !== 'processing' && html`<p class="result-card">${p.card.mask}</p>`}
  ${
    back &&
    html`<p class="returning">${t.returning}</p>
  <a id="return" class="button-primary" href="${back}">${t.backToShop}</a>`
  }
</section>
</main>
${footer(v.lang)}`;
  return page({ lang: v.lang, title: t.results[kind], assets: v.assets, body, theme: 'pay', refresh });
}

export type ThreeDsView = PaymentContext & {
  challenge: ThreeDsChallenge;
  /** The 3DS Method step, when the ACS has a method URL (v2 only). */
  method: { url: string; threeDSMethodData: string } | null;
  /** For the way out: the payer may cancel instead of going to the bank. */
  csrf: string;
};

/**
 * The hop to the bank's ACS: a form the script submits at once (the visible button is the
 * no-JS way). For v2 with a method URL the script first runs the 3DS Method step in a hidden
 * iframe, and submits the challenge when it reports back or after ten seconds. A payer who
 * comes back here (the bank's page would not load, the back button) can cancel.
 */
export function threeDsPage(v: ThreeDsView): string {
  const t = messages[v.lang];
  const c = v.challenge;
  const fields = Object.entries(c.form).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const method =
    v.method &&
    html`<iframe name="tds-method" id="tds-method" class="method-frame" title="${t.methodTitle}" hidden></iframe>
<form id="tds-method-form" method="post" action="${v.method.url}" target="tds-method">
  <input type="hidden" name="threeDSMethodData" value="${v.method.threeDSMethodData}">
</form>`;
  const body = html`<main class="sheet">
${summary(v)}
<section class="result result-processing">
  <div class="spinner" aria-hidden="true"></div>
  <h1 id="threeds" data-version="${c.version}">${t.threeDsTitle}</h1>
  <p class="result-detail">${t.threeDsText}</p>
  ${method}
  <form id="tds-form" method="post" action="${c.acsUrl}" data-autosubmit${v.method ? html` data-after-method` : null}>
    ${fields}
    <button type="submit" class="button-primary" id="tds-continue">${t.continue}</button>
  </form>
  <form id="cancel-form" method="post" action="${payUrl(v.payment)}/cancel">
    <input type="hidden" name="csrf" value="${v.csrf}">
    <button id="cancel" type="submit" class="button-link">${t.cancel}</button>
  </form>
</section>
</main>
${footer(v.lang)}`;
  return page({
    lang: v.lang,
    title: t.threeDsTitle,
    assets: v.assets,
    body,
    theme: 'pay',
    scripts: ['autosubmit.js'],
  });
}

/** The 3DS Method notification, loaded inside the hidden iframe: the parent page reads the marker. */
export function methodDonePage(v: Common): string {
  const body = html`<main data-method-complete></main>`;
  return page({ lang: v.lang, title: messages[v.lang].methodTitle, assets: v.assets, body, theme: 'bare' });
}

export type ErrorView = Common & {
  title: string;
  text: string;
  link?: { href: string; label: string };
  /** The page to switch the language on (a path and query to GET); no switch without one. */
  here?: string;
};

export function errorPage(v: ErrorView): string {
  const body = html`<main class="sheet">
<div class="summary-top summary-plain">${langSwitch(v.lang, v.here)}</div>
<section class="result result-error">
  <div class="result-icon" aria-hidden="true"></div>
  <h1 id="error">${v.title}</h1>
  <p class="result-detail">${v.text}</p>
  ${v.link && html`<a class="button-primary" href="${v.link.href}">${v.link.label}</a>`}
</section>
</main>
${footer(v.lang)}`;
  return page({ lang: v.lang, title: v.title, assets: v.assets, body, theme: 'pay' });
}
