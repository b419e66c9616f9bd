import { isEmailAddress } from '../../../delivery/email/message.ts';
import {
  type FormFieldChange,
  formFieldOrderMax,
  formFieldTextMax,
  isFormFieldKind,
  lockedFormField,
} from '../../../engine/merchants/form-fields-view.ts';
import { printPkDatetime } from '../dates.ts';
import { fieldProblemFail, pkDialectFail } from '../errors.ts';
import { idParam } from '../params.ts';
import { failWith, flagOf, orFail, type PkHandler, type PkRoute, success, textParam } from '../route.ts';
import { enabledButtons, formFieldRow, organizationSettings, userSettings } from '../settings-documents.ts';
import { isSettingName, parseSetting } from '../settings-values.ts';

/**
 * Settings (spec 4.1–4.6, 4.8, 5.1–5.4; the newer settings API's `cabinet` flags and
 * `enabledbuttons`). Which operations only an administrator may call is said once, in
 * wire.ts's `pkOperations` (the plugin refuses the others); 4.3 is open to every user but
 * leaves out what is an administrator's. Every change goes through the engine's one settings
 * writer and applies at once: the informer and the mailer read the settings when they send.
 */

/** 4.1. */
const userSettingsOf: PkHandler = async ({ user }) => userSettings(user);

/** 4.2: the visit before today's (auth.ts notes the day's first); the first visit is now. */
const lastVisit: PkHandler = async ({ host, user, req }) => {
  const visit = user.id === null ? null : await host.engine.lastVisit(user.id);
  return visit
    ? { ip: visit.ip, datetime: printPkDatetime(visit.at) }
    : { ip: req.ip, datetime: printPkDatetime(host.now()) };
};

/** 4.3. */
const organization: PkHandler = async ({ host, merchant, user }) => {
  const secrets = user.admin ? await host.engine.organizationSecrets(merchant.id) : null;
  return organizationSettings(merchant, user.admin, secrets);
};

/** 4.4: Kopek has no support period to announce; the list is kept for the cabinet. */
const notifications: PkHandler = async () => [];

/** 4.5. */
const fields: PkHandler = async ({ host, merchant }) =>
  (await host.engine.listFormFields(merchant.id)).map(formFieldRow);

/** 4.6. */
const reportEmails: PkHandler = async ({ host, merchant }) =>
  (await host.engine.listReportEmails(merchant.id)).map((e) => ({ id: e.id.toString(), email: e.email }));

/** 4.8. */
const buttons: PkHandler = async ({ host, merchant }) =>
  enabledButtons(merchant, await host.engine.listServices(merchant.id));

/** 5.1: one setting by `name`; no `value`, no change (and says so). */
const changeSetting: PkHandler = async ({ host, merchant, params }) => {
  const name = textParam(params, 'name')?.trim();
  if (name === undefined || name === '') return failWith(fieldProblemFail('name', 'required'));
  if (!isSettingName(name)) return failWith(pkDialectFail.setting_unknown);
  const value = textParam(params, 'value');
  if (value === undefined) return failWith(pkDialectFail.setting_value_missing);
  const change = parseSetting(name, value);
  if (!change.ok) return failWith(fieldProblemFail(change.error.field, change.error.problem));
  orFail(await host.engine.updateMerchantSettings(merchant.id, change.value.patch, change.value.secrets));
  return success;
};

const flagParam = (params: Record<string, unknown>, name: string): boolean | undefined =>
  flagOf(textParam(params, name), name);

const formTextParam = (params: Record<string, unknown>, name: string): string | undefined => {
  if (params[name] !== undefined && typeof params[name] !== 'string')
    return failWith(fieldProblemFail(name, 'required'));
  const text = textParam(params, name);
  if (text !== undefined && text.length > formFieldTextMax)
    return failWith(fieldProblemFail(name, 'too_long'));
  return text;
};

/** 5.2: what is given of one field changes; `sum` never does. */
const changeFormField: PkHandler = async ({ host, merchant, params }) => {
  const name = textParam(params, 'pk_name')?.trim();
  if (name === undefined || name === '') return failWith(fieldProblemFail('pk_name', 'required'));
  if (name === lockedFormField) return failWith(pkDialectFail.formfield_sum_locked);
  const change: FormFieldChange = {};
  const displayedName = formTextParam(params, 'displayed_name');
  if (displayedName !== undefined) change.displayedName = displayedName;
  const placeholder = formTextParam(params, 'placeholder');
  if (placeholder !== undefined) change.placeholder = placeholder;
  const required = flagParam(params, 'required');
  if (required !== undefined) change.required = required;
  const enabled = flagParam(params, 'enabled');
  if (enabled !== undefined) change.enabled = enabled;
  const type = textParam(params, 'type')?.trim();
  if (type !== undefined && type !== '') {
    // `sum` is the amount's own type: no other field takes it
    if (!isFormFieldKind(type) || type === 'sum')
      return failWith(fieldProblemFail('type', 'not_a_field_type'));
    change.kind = type;
  }
  const order = textParam(params, 'order')?.trim();
  if (order !== undefined && order !== '') {
    if (!/^[0-9]{1,5}$/.test(order) || Number(order) > formFieldOrderMax)
      return failWith(fieldProblemFail('order', 'not_an_order'));
    change.order = Number(order);
  }
  const changed = await host.engine.changeFormField(merchant.id, name, change);
  if (!changed.ok && changed.error.field === 'pk_name') return failWith(pkDialectFail.formfield_unknown);
  orFail(changed);
  return success;
};

/** 5.3: adding an address that is there already changes nothing and succeeds. */
const addReportEmail: PkHandler = async ({ host, merchant, params }) => {
  const email = textParam(params, 'email')?.trim();
  if (email === undefined || email === '') return failWith(fieldProblemFail('email', 'required'));
  if (!isEmailAddress(email)) return failWith(fieldProblemFail('email', 'not_an_email'));
  const added = await host.engine.addReportEmail(merchant.id, email);
  if (!added.ok && added.error.detail === 'too_many')
    return failWith(fieldProblemFail('email', 'too_many_report_emails'));
  orFail(added);
  return success;
};

/** 5.4: an id that is not one of the merchant's addresses is not found. */
const deleteReportEmail: PkHandler = async ({ host, merchant, params }) => {
  const id = idParam(params);
  if (!(await host.engine.deleteReportEmail(merchant.id, id)))
    return failWith(pkDialectFail.report_email_not_found);
  return success;
};

export const settingsRoutes: readonly PkRoute[] = [
  { method: 'GET', path: '/info/user/settings/', handler: userSettingsOf },
  { method: 'GET', path: '/info/user/lastvisit/', handler: lastVisit },
  { method: 'GET', path: '/info/organization/settings/', handler: organization },
  { method: 'GET', path: '/info/organization/notifications/', handler: notifications },
  { method: 'GET', path: '/info/organization/fields/', handler: fields },
  { method: 'GET', path: '/info/organization/reportemails/', handler: reportEmails },
  { method: 'GET', path: '/info/organization/enabledbuttons/', handler: buttons },
  { method: 'POST', path: '/change/organization/setting/', handler: changeSetting },
  { method: 'POST', path: '/change/organization/formfield/', handler: changeFormField },
  { method: 'POST', path: '/change/organization/addreportemail/', handler: addReportEmail },
  { method: 'POST', path: '/change/organization/deletereportemail/', handler: deleteReportEmail },
];
