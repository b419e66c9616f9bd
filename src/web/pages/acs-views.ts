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

export type ChallengeView = Common & {
  challenge: AcsChallenge;
  /** Where the answer goes: `/acs/v1/answer` or `/acs/v2/answer`. */
  action: string;
  /** The token and binding the answer must carry: PaReq+MD+TermUrl, or creq+threeDSSessionData. */
  carry: Record<string, string>;
  /** The approving code, shown because this is a test bank. */
  otp: string;
};

export function challengePage(v: ChallengeView): string {
  const t = messages[v.lang];
  const c = v.challenge;
  const hidden = Object.entries(v.carry).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const body = html`<main class="sheet bank">
${bankHeader(v.lang)}
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

export type AnswerView = Common & { returnUrl: string; form: Record<string, string> };

/** The ACS hands its answer to the payer's browser, which POSTs it back to the merchant side. */
export function answerPage(v: AnswerView): string {
  const t = messages[v.lang];
  const hidden = Object.entries(v.form).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const body = html`<main class="sheet bank">
${bankHeader(v.lang)}
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

export function acsErrorPage(v: Common): string {
  const t = messages[v.lang];
  const body = html`<main class="sheet bank">
${bankHeader(v.lang)}
<h1 id="error">${t.acsInvalidTitle}</h1>
<p class="acs-intro">${t.acsInvalidText}</p>
</main>`;
  return page({ lang: v.lang, title: t.acsInvalidTitle, assets: v.assets, body, theme: 'acs' });
}
