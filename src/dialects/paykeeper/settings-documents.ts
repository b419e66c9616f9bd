import type { FormField } from '../../engine/merchants/form-fields-view.ts';
import type { Merchant, Service } from '../../engine/merchants/view.ts';
import type { Secret } from '../../security/secret.ts';
import type { PkUser } from './route.ts';
import { cabinetKey } from './settings-values.ts';
import { cabinetFlags, type OrgSettings } from './wire.ts';

/**
 * Spec 4's documents from the engine's facts: the user's own settings (4.1), the
 * organization's (4.3, with what only an administrator sees left out for the others), the
 * form fields (4.5), the users (4.7) and the payment buttons (4.8).
 */

const flag = (value: boolean): 'true' | 'false' => (value ? 'true' : 'false');
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * PayKeeper's `refund`: how many refunds a day, `"0"` when none. A right without a daily limit
 * (the API credential, a user made by the CLI without one) is `"0"` beside `refund_allowed:
 * "true"`, as the spec's own example of an administrator shows.
 */
export const refundCountOf = (refunds: PkUser['refunds']): string =>
  refunds.allowed && refunds.perDay !== null ? String(refunds.perDay) : '0';

/** 4.1. */
export const userSettings = (user: PkUser) => ({
  user: user.login,
  refund_allowed: flag(user.refunds.allowed),
  refund_allow: flag(user.refunds.allowed),
  refund: refundCountOf(user.refunds),
  admin: flag(user.admin),
});

export type OrgSecrets = { informerSeed: Secret<string> | null; smtpPassword: Secret<string> | null };

/**
 * 4.3. Everyone sees the organization's names and the cabinet flags; only an administrator
 * the rest. The SMTP server is shown only while the organization uses its own (spec).
 * `secrets` is asked for only for an administrator, and revealed only into its answer.
 */
export function organizationSettings(
  merchant: Merchant,
  admin: boolean,
  secrets: OrgSecrets | null,
): OrgSettings {
  const s = merchant.settings;
  const cabinet = Object.fromEntries(
    cabinetFlags.map((f) => [f, flag(s[cabinetKey(f)] === true)]),
  ) as OrgSettings['cabinet'];
  const everyone = {
    shopname: text(s.shopName) || merchant.name,
    shopdomain: text(s.shopDomain),
    legal_name: text(s.legalName) || merchant.name,
    paykeeper_id: text(s.contractNumber) || merchant.id.toString(),
  };
  if (!admin) return { ...everyone, cabinet };
  const custom = s.smtpUseCustom === true;
  return {
    ...everyone,
    support_email: text(s.supportEmail),
    informer_type: s.informerType === 'email' ? 'email' : 'post',
    informer_url: text(s.informerUrl),
    informer_seed: secrets?.informerSeed?.reveal() ?? '',
    smtp_use_custom: flag(custom),
    ...(custom && {
      smtp_host: text(s.smtpHost),
      smtp_port: typeof s.smtpPort === 'number' ? String(s.smtpPort) : '',
      smtp_user: text(s.smtpUser),
      smtp_password: secrets?.smtpPassword?.reveal() ?? '',
    }),
    skip_default_pages: flag(s.skipDefaultPages === true),
    success_url: text(s.successUrl),
    fail_url: text(s.failUrl),
    cabinet,
  };
}

/** 4.5. */
export const formFieldRow = (f: FormField) => ({
  pk_name: f.name,
  displayed_name: f.displayedName,
  placeholder: f.placeholder,
  required: flag(f.required),
  enabled: flag(f.enabled),
  order: String(f.order),
  type: f.kind,
});

/** 4.7. */
export const userRow = (u: {
  id: bigint;
  login: string;
  role: 'admin' | 'operator';
  refunds: PkUser['refunds'];
}) => ({
  id: u.id.toString(),
  login: u.login,
  refund: refundCountOf(u.refunds),
  admin: flag(u.role === 'admin'),
});

/** 4.8: the organization's choice, else every enabled pay service as `kopek.<method>`. */
export function enabledButtons(merchant: Merchant, services: readonly Service[]): string[] {
  const chosen = merchant.settings.enabledButtons;
  if (Array.isArray(chosen) && chosen.every((b) => typeof b === 'string')) return chosen;
  const methods = services
    .filter((s) => s.kind === 'pay' && s.enabled)
    .map((s) => `kopek.${s.method.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`);
  return [...new Set(methods)];
}
