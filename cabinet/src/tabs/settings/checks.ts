/**
 * The server's rules for settings values (src/dialects/paykeeper/settings-values.ts and the
 * user routes), repeated in the browser so a mistake is named before anything is sent. The
 * server still decides: its refusal is shown beside the field too.
 */

export const isEmail = (value: string): boolean =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) && value.length <= 254;

export function isWebUrl(value: string): boolean {
  if (value.length > 2048 || /\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const hostPattern =
  /^(?:(?:ssl|tls):\/\/)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;
export const isHost = (value: string): boolean => value.length <= 253 && hostPattern.test(value);

// biome-ignore lint/suspicious/noControlCharactersInRegex: a secret typed by hand must not carry them
const controls = /[\u0000-\u001F\u007F]/;
/** A seed or password: empty (unchanged) or 1–200 characters without control characters. */
export const isSecret = (value: string): boolean => value.length <= 200 && !controls.test(value);

export const loginPattern = /^[\w.@-]{3,64}$/;
export const isPassword = (value: string): boolean => value.length >= 8 && value.length <= 256;
/** Refunds a day: 0 (none) to 1 000 000. */
export const isRefundCount = (value: string): boolean =>
  /^\d{1,7}$/.test(value.trim()) && Number(value) <= 1_000_000;

/** 4.8 / `enabled_buttons`: `bank.method` names, at most 64; empty means every enabled method. */
const buttonPattern = /^[a-z0-9_]+\.[a-z0-9_]+$/;
export const buttonsMax = 64;
export const buttonsOf = (value: string): string[] =>
  value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
export const isButtonList = (value: string): boolean => {
  const buttons = buttonsOf(value);
  return buttons.length <= buttonsMax && buttons.every((b) => buttonPattern.test(b));
};
