import { isEmailAddress } from '../../delivery/email/message.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { SettingsSecrets } from '../../engine/merchants/merchants.ts';
import type { MerchantSettings } from '../../engine/merchants/view.ts';
import type { PkFieldProblem } from './errors.ts';
import { cabinetFlags, type OrgSettingName, orgSettingNames } from './wire.ts';

/**
 * 5.1's `name`/`value` pairs as changes of the merchant's settings: each name's value checked
 * in PayKeeper's words (errors.ts pkFieldTexts), then given as a settings patch or a secret
 * to seal. Beyond the spec's names: the newer settings API's `cabinet` flags (by their own
 * names, `hide_statistics`…, true/false) and `enabled_buttons` (a JSON array or a comma list
 * of `bank.method`; empty: every enabled pay service).
 *
 * An empty value clears the optional texts (e-mail, URLs, the SMTP server and user); flags,
 * the port and the secrets need a value.
 */

export type CabinetFlag = (typeof cabinetFlags)[number];
export const settingNames = [...orgSettingNames, ...cabinetFlags, 'enabled_buttons'] as const;
export type SettingName = OrgSettingName | CabinetFlag | 'enabled_buttons';

export const isSettingName = (name: string): name is SettingName =>
  (settingNames as readonly string[]).includes(name);

/** Where a cabinet flag is kept in the merchant's settings: one key each, so two changes never race. */
export const cabinetKey = (flag: CabinetFlag) => `cabinet.${flag}`;

export type SettingChange = { patch: MerchantSettings; secrets: SettingsSecrets };
export type SettingProblem = { field: string; problem: PkFieldProblem };

const urlMax = 2048;
const buttonsMax = 64;
const buttonPattern = /^[a-z0-9_]+\.[a-z0-9_]+$/;
// an SMTP host as PHP mailers take it: a name or address, optionally `ssl://` / `tls://`
const hostPattern =
  /^(?:(?:ssl|tls):\/\/)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: secrets are typed by hand and must not carry them
const controls = /[\u0000-\u001F\u007F]/;

export const isWebUrl = (value: string): boolean => {
  if (value.length > urlMax || /\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
};

const flagOf = (value: string, onOff: boolean): boolean | null => {
  const text = value.trim().toLowerCase();
  if (text === 'true' || (onOff && text === 'on')) return true;
  if (text === 'false' || (onOff && text === 'off')) return false;
  return null;
};

/** `enabled_buttons`: a JSON array of strings or a comma list; empty clears. */
function buttonsOf(value: string): string[] | null {
  const text = value.trim();
  if (text === '') return [];
  let items: unknown;
  if (text.startsWith('[')) {
    try {
      items = JSON.parse(text);
    } catch {
      return null;
    }
  } else items = text.split(',').map((s) => s.trim());
  if (!Array.isArray(items) || items.length > buttonsMax) return null;
  if (!items.every((b): b is string => typeof b === 'string' && buttonPattern.test(b))) return null;
  return [...new Set(items)];
}

const problem = (field: string, p: PkFieldProblem): Result<never, SettingProblem> =>
  fail({ field, problem: p });
const patch = (p: MerchantSettings): Result<SettingChange, SettingProblem> => ok({ patch: p, secrets: {} });

/** One 5.1 change, checked; `value` is as it arrived (the route refuses a missing one first). */
export function parseSetting(name: SettingName, value: string): Result<SettingChange, SettingProblem> {
  const text = value.trim();
  switch (name) {
    case 'support_email':
      if (text !== '' && !isEmailAddress(text)) return problem(name, 'not_an_email');
      return patch({ supportEmail: text });
    case 'informer_type':
      if (text !== 'post' && text !== 'email') return problem(name, 'not_an_informer_type');
      return patch({ informerType: text });
    case 'informer_url':
    case 'success_url':
    case 'fail_url': {
      if (text !== '' && !isWebUrl(text)) return problem(name, 'not_a_url');
      const key = ({ informer_url: 'informerUrl', success_url: 'successUrl', fail_url: 'failUrl' } as const)[
        name
      ];
      return patch({ [key]: text });
    }
    case 'informer_seed':
    case 'smtp_password': {
      // a secret is taken as typed: spaces may be part of it
      if (value.length === 0 || value.length > 200 || controls.test(value))
        return problem(name, 'not_a_secret');
      return ok({
        patch: {},
        secrets: name === 'informer_seed' ? { informerSeed: value } : { smtpPassword: value },
      });
    }
    case 'smtp_use_custom': {
      const flag = flagOf(text, false);
      return flag === null ? problem(name, 'not_a_flag') : patch({ smtpUseCustom: flag });
    }
    case 'skip_default_pages': {
      const flag = flagOf(text, true);
      return flag === null ? problem(name, 'not_on_off') : patch({ skipDefaultPages: flag });
    }
    case 'smtp_host':
      if (text !== '' && (text.length > 253 || !hostPattern.test(text))) return problem(name, 'not_a_host');
      return patch({ smtpHost: text });
    case 'smtp_port': {
      if (!/^[0-9]{1,5}$/.test(text)) return problem(name, 'not_a_port');
      const port = Number(text);
      return port < 1 || port > 65535 ? problem(name, 'not_a_port') : patch({ smtpPort: port });
    }
    case 'smtp_user':
      if (text !== '' && !isEmailAddress(text)) return problem(name, 'not_an_email');
      return patch({ smtpUser: text });
    case 'enabled_buttons': {
      const buttons = buttonsOf(text);
      if (buttons === null) return problem(name, 'not_a_button_list');
      return patch({ enabledButtons: buttons.length === 0 ? undefined : buttons });
    }
    default: {
      const flag = flagOf(text, false);
      return flag === null ? problem(name, 'not_a_flag') : patch({ [cabinetKey(name)]: flag });
    }
  }
}

/**
 * Where the payer returns after paying a PayKeeper payment: the order's own
 * `user_result_callback` for both outcomes, else the organization's `success_url` / `fail_url`
 * (5.1) as they are when the payment is made.
 */
export function pkReturnUrls(
  settings: MerchantSettings,
  userResultCallback: string | null | undefined,
): { success?: string; fail?: string } | undefined {
  if (userResultCallback) return { success: userResultCallback, fail: userResultCallback };
  const url = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const success = url(settings.successUrl);
  const fail = url(settings.failUrl);
  if (!success && !fail) return undefined;
  return { ...(success && { success }), ...(fail && { fail }) };
}
