import type { Assets } from './assets.ts';
import type { Lang } from './i18n.ts';
import { type Html, html } from './render.ts';

/** The frame every page shares: one stylesheet, external scripts only (the CSP allows no other). */
export type Shell = {
  lang: Lang;
  title: string;
  assets: Assets;
  body: Html;
  /** `pay` for the merchant's pages, `acs` for the bank's, `bare` for invisible helper pages. */
  theme: 'pay' | 'acs' | 'bare';
  scripts?: readonly string[];
  /** A meta refresh: the no-JS way to move on (back to the shop, or to look again). */
  refresh?: { seconds: number; url: string };
};

export function page(s: Shell): string {
  return html`<!doctype html>
<html lang="${s.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="format-detection" content="telephone=no">
<title>${s.title}</title>
<link rel="stylesheet" href="${s.assets.url('pay.css')}">
${(s.scripts ?? []).map((name) => html`<script src="${s.assets.url(name)}" defer></script>\n`)}${
  s.refresh && html`<meta http-equiv="refresh" content="${`${s.refresh.seconds};url=${s.refresh.url}`}">\n`
}</head>
<body class="theme-${s.theme}">
${s.body}
</body>
</html>
`.toString();
}
