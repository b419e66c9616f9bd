import type { AcsChallenge } from '../../acquiring/sim-acs.ts';
import type { Assets } from './assets.ts';
import { formatAmount, type Lang, messages } from './i18n.ts';
import { page } from './layout.ts';
import { type Html, html } from './render.ts';

/**
 * The simulator bank's ACS pages. They look like a bank's, not like the shop's: a different
 * theme, the bank's name, and only what the challenge token says (amount, masked card,
 * description). The form fields keep the names 3-D Secure uses.
 */
type Common = { lang: Lang; assets: Assets };

const bankHeader = (lang: Lang): Html =>
  html`<header class="bank-header"><p class="bank-name">${messages[lang].acsBank}</p><p class="bank-badge">3-D Secure</p></header>`;

const hiddenInputs = (fields: Record<string, string>): Html[] =>
  Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);

/**
 * These pages are reached by POST, so a link cannot show them again: the switch posts the
 * fields the page was made from back to `action`, with the other language in the query.
 */
export type LangSwitch = { action: string; fields: Record<string, string> };

function langSwitch(lang: Lang, s: LangSwitch): Html {
  const other = lang === 'ru' ? 'en' : 'ru';
  return html`<form id="acs-lang" class="lang-form" method="post" action="${s.action}?lang=${other}">
  ${hiddenInputs(s.fields)}<button type="submit" class="lang-switch" lang="${other}">${messages[lang].switchTo}</button>
</form>`;
}

export type ChallengeView = Common & {
  challenge: AcsChallenge;
  /** Where the answer goes: `/acs/v1/answer` or `/acs/v2/answer`. */
  action: string;
  /** The token and binding the answer must carry: PaReq+MD+TermUrl, or creq+threeDSSessionData. */
  carry: Record<string, string>;
  /** The approving code, shown because this is a test bank. */
  otp: string;
  /** Where the challenge was posted (`/acs/v1`, `/acs/v2`): the language switch posts it again. */
  here: string;
};

export function challengePage(v: ChallengeView): string {
  const t = messages[v.lang];
  const c = v.challenge;
  // The language goes along with the answer, so the next page speaks it too.
  const hidden = hiddenInputs({ ...v.carry, lang: v.lang });
  const body = html`<main class="sheet bank">
${bankHeader(v.lang)}
${langSwitch(v.lang, { action: v.here, fields: v.carry })}
<h1 id="acs-title" data-version="${c.version}">${t.acsTitle}</h1>
<p class="acs-intro">${t.acsIntro}</p>
<dl class="acs-facts">
  <div><dt>${t.acsAmount}</dt><dd id="acs-amount">${formatAmount(c.amountMinor, c.currency, v.lang)}</dd></div>
  <div><dt>${t.acsCard}</dt><dd id="acs-card">${c.cardMask}</dd></div>
  ${c.description && html`<div><dt>${t.description}</dt><dd>${c.description}</dd></div>`}
</dl>
<form id="acs-form" method="post" action="${v.action}">
  ${hidden}
  <div class="field">
    <label for="otp">${t.acsOtp}</label>
    <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" required
      maxlength="8" pattern="[0-9]{4,8}" spellcheck="false" aria-describedby="otp-hint">
    <p class="hint test-otp" id="otp-hint">${t.acsTestHint} <code data-otp="${v.otp}">${v.otp}</code></p>
  </div>
  <button id="acs-submit" type="submit" class="button-primary">${t.acsConfirm}</button>
  <button id="acs-cancel" type="submit" name="cancel" value="1" formnovalidate class="button-link">${t.acsCancel}</button>
</form>
</main>`;
  return page({ lang: v.lang, title: t.acsTitle, assets: v.assets, body, theme: 'acs' });
}

export type AnswerView = Common & {
  returnUrl: string;
  form: Record<string, string>;
  /** What the answer was made from (the challenge token and the code), for the language switch. */
  again: LangSwitch;
};

/** The ACS hands its answer to the payer's browser, which POSTs it back to the merchant side. */
export function answerPage(v: AnswerView): string {
  const t = messages[v.lang];
  const hidden = hiddenInputs(v.form);
  const body = html`<main class="sheet bank">
${bankHeader(v.lang)}
${langSwitch(v.lang, v.again)}
<div class="spinner" aria-hidden="true"></div>
<p class="acs-intro" id="acs-returning">${t.acsReturning}</p>
<form id="acs-answer" method="post" action="${v.returnUrl}" data-autosubmit>
  ${hidden}
  <button type="submit" class="button-primary">${t.continue}</button>
</form>
</main>`;
  return page({
    lang: v.lang,
    title: t.acsTitle,
    assets: v.assets,
    body,
    theme: 'acs',
    scripts: ['autosubmit.js'],
  });
}

/** The 3DS Method page, inside the merchant page's hidden iframe: answer the notification URL. */
export function methodPage(v: Common & { notificationUrl: string; threeDSMethodData: string }): string {
  const body = html`<form method="post" action="${v.notificationUrl}" data-autosubmit>
  <input type="hidden" name="threeDSMethodData" value="${v.threeDSMethodData}">
  <button type="submit">${messages[v.lang].continue}</button>
</form>`;
  return page({
    lang: v.lang,
    title: messages[v.lang].methodTitle,
    assets: v.assets,
    body,
    theme: 'bare',
    scripts: ['autosubmit.js'],
  });
}

/**
 * A challenge the ACS cannot take (damaged, forged, expired). `back`: where a challenge
 * genuinely from the bank would have returned the payer, when the token says (an expired one
 * still does): the way back to the payment.
 */
export function acsErrorPage(v: Common & { again: LangSwitch; back: string | null }): string {
  const t = messages[v.lang];
  const body = html`<main class="sheet bank">
${bankHeader(v.lang)}
${langSwitch(v.lang, v.again)}
<h1 id="error">${t.acsInvalidTitle}</h1>
<p class="acs-intro">${t.acsInvalidText}</p>
${v.back && html`<a id="acs-back" class="button-primary acs-back" href="${v.back}">${t.acsBack}</a>`}
</main>`;
  return page({ lang: v.lang, title: t.acsInvalidTitle, assets: v.assets, body, theme: 'acs' });
}
