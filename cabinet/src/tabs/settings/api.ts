import { pkGet, pkPost } from '../../api/client.ts';
import type { Count, Flag, Id } from '../../api/types.ts';

/**
 * PayKeeper's sections 4 and 5 as the Settings tab uses them (schemas in
 * src/dialects/paykeeper/wire.ts). A non-administrator gets only the organization's public
 * details from 4.3; the rest is the administrator's (the server refuses it to others anyway).
 */

export type OrgSettings = {
  shopname: string;
  shopdomain: string;
  legal_name: string;
  paykeeper_id: string;
  support_email?: string;
  informer_type?: 'post' | 'email';
  informer_url?: string;
  informer_seed?: string;
  smtp_use_custom?: Flag;
  smtp_host?: string;
  smtp_port?: string;
  smtp_user?: string;
  smtp_password?: string;
  skip_default_pages?: Flag;
  success_url?: string;
  fail_url?: string;
  cabinet: Record<string, Flag>;
};

export const formFieldTypes = ['sum', 'clientid', 'orderid', 'text', 'phone', 'email', 'bool'] as const;
export type FormFieldType = (typeof formFieldTypes)[number];

export type FormField = {
  pk_name: string;
  displayed_name: string;
  placeholder: string;
  required: Flag;
  enabled: Flag;
  order: string;
  type: FormFieldType;
};

export type ReportEmail = { id: Id; email: string };
export type CabinetUserRow = { id: Id; login: string; refund: Count; admin: Flag };

/** The newer settings API's `cabinet` flags (4.3), switched by their own names with 5.1. */
export const cabinetFlags = ['hide_statistics', 'hide_payments', 'hide_invoices', 'hide_receipts'] as const;
export type CabinetFlag = (typeof cabinetFlags)[number];

/** 5.1's names, and the newer API's flags and payment buttons (4.8). */
export type SettingName =
  | 'support_email'
  | 'informer_type'
  | 'informer_url'
  | 'informer_seed'
  | 'smtp_use_custom'
  | 'smtp_host'
  | 'smtp_port'
  | 'smtp_user'
  | 'smtp_password'
  | 'skip_default_pages'
  | 'success_url'
  | 'fail_url'
  | CabinetFlag
  | 'enabled_buttons';

type Success = { result: 'success' };

export const settingsApi = {
  organization: (signal?: AbortSignal) => pkGet<OrgSettings>('/info/organization/settings/', {}, signal),
  fields: (signal?: AbortSignal) => pkGet<FormField[]>('/info/organization/fields/', {}, signal),
  reportEmails: (signal?: AbortSignal) =>
    pkGet<ReportEmail[]>('/info/organization/reportemails/', {}, signal),
  users: (signal?: AbortSignal) => pkGet<CabinetUserRow[]>('/info/organization/users/', {}, signal),
  enabledButtons: (signal?: AbortSignal) => pkGet<string[]>('/info/organization/enabledbuttons/', {}, signal),
  change: (name: SettingName, value: string) =>
    pkPost<Success>('/change/organization/setting/', { name, value }),
  changeField: (change: Partial<FormField> & { pk_name: string }) =>
    pkPost<Success>('/change/organization/formfield/', change),
  addReportEmail: (email: string) => pkPost<Success>('/change/organization/addreportemail/', { email }),
  deleteReportEmail: (id: string) => pkPost<Success>('/change/organization/deletereportemail/', { id }),
  addUser: (user: { login: string; password: string; refund: string; admin: Flag }) =>
    pkPost<Success>('/change/user/add/', user),
  updateUser: (user: { id: string; login?: string; password?: string; refund?: string; admin?: Flag }) =>
    pkPost<Success>('/change/user/update/', user),
  deleteUser: (id: string) => pkPost<Success>('/change/user/delete/', { id }),
};

export const settingsKeys = {
  all: ['settings'] as const,
  organization: ['settings', 'organization'] as const,
  /** Under `organization`: a saved setting refreshes both. */
  enabledButtons: ['settings', 'organization', 'buttons'] as const,
  fields: ['settings', 'fields'] as const,
  reportEmails: ['settings', 'reportemails'] as const,
  users: ['settings', 'users'] as const,
};
