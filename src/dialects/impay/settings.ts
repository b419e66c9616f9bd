import { fail, ok, type Result } from '../../domain/result.ts';
import type { MerchantSettings } from '../../engine/merchants/view.ts';
import { isWebUrl } from './fields.ts';
import { parseIpAllowList } from './ip-allow.ts';

/**
 * What an ImPay merchant configures, kept in `merchants.settings` (the callback key is a
 * sealed credential instead: engine.setDialectSecret). Read by the routes (IP allow-list), the
 * callback handler (URL) and the payment gate (check URL); written by `kopek merchant set`.
 */

export const impaySettingKeys = {
  callbackUrl: 'impayCallbackUrl',
  checkUrl: 'impayCheckUrl',
  ipAllowList: 'impayIpAllowList',
} as const;

export type ImpaySettings = {
  callbackUrl: string | null;
  checkUrl: string | null;
  ipAllowList: string[] | null;
};

const url = (value: unknown): string | null => (typeof value === 'string' && isWebUrl(value) ? value : null);

export function impaySettingsOf(settings: MerchantSettings): ImpaySettings {
  const list = settings[impaySettingKeys.ipAllowList];
  return {
    callbackUrl: url(settings[impaySettingKeys.callbackUrl]),
    checkUrl: url(settings[impaySettingKeys.checkUrl]),
    ipAllowList: Array.isArray(list) ? list.map(String) : null,
  };
}

/** A URL setting: an http(s) URL, or `""` to clear it. */
export function urlSetting(
  key: typeof impaySettingKeys.callbackUrl | typeof impaySettingKeys.checkUrl,
  value: string,
): Result<MerchantSettings, string> {
  if (value === '') return ok({ [key]: undefined });
  return isWebUrl(value) ? ok({ [key]: value }) : fail(`not an http(s) URL: ${value}`);
}

/** The IP allow-list: addresses and CIDRs separated by commas, or `""` to clear it (any address). */
export function ipAllowSetting(value: string): Result<MerchantSettings, string> {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) return ok({ [impaySettingKeys.ipAllowList]: undefined });
  const list = parseIpAllowList(entries);
  return list.ok
    ? ok({ [impaySettingKeys.ipAllowList]: list.value.entries })
    : fail(`not an IP address or CIDR: ${list.error.entry}`);
}
