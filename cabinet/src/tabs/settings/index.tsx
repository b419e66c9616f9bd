import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../shell/session.tsx';
import { QueryError } from '../../ui/QueryError.tsx';
import { cabinetFlags, type OrgSettings, settingsApi, settingsKeys } from './api.ts';
import { FormFields } from './FormFields.tsx';
import { ReportEmails } from './ReportEmails.tsx';
import { type SettingDef, SettingGroup } from './SettingGroup.tsx';
import { Users } from './Users.tsx';
import '../invoices/invoices.css';
import './settings.css';

/**
 * Settings (spec sections 4–5). Everyone sees the organization's details; an administrator
 * (the session's `admin`, 4.1) also sees and changes the informer, the redirect pages, SMTP,
 * the payment form's fields, the report e-mails and the users. The other parts are not
 * rendered for others at all (and the server refuses them: `adminOnly`).
 */
export function SettingsTab() {
  const { t } = useTranslation('settings');
  const { session } = useSession();
  const admin = session.user.admin;
  const org = useQuery({
    queryKey: settingsKeys.organization,
    queryFn: ({ signal }) => settingsApi.organization(signal),
  });
  return (
    <section aria-labelledby="settings-title" className="settings">
      <h1 id="settings-title">{t('title')}</h1>
      {org.error && <QueryError error={org.error} retry={() => void org.refetch()} />}
      {org.data && <Organization org={org.data} />}
      {!admin && (
        <p className="muted" data-testid="settings-not-admin">
          {t('notAdmin')}
        </p>
      )}
      {admin && org.data && <AdminSettings org={org.data} me={session.user.login} />}
    </section>
  );
}

function Organization({ org }: { org: OrgSettings }) {
  const { t } = useTranslation('settings');
  return (
    <section className="panel" aria-labelledby="settings-org" data-testid="settings-organization">
      <h2 id="settings-org">{t('org.title')}</h2>
      <dl className="facts">
        <dt>{t('org.shopname')}</dt>
        <dd>{org.shopname || '—'}</dd>
        <dt>{t('org.shopdomain')}</dt>
        <dd>{org.shopdomain || '—'}</dd>
        <dt>{t('org.legal_name')}</dt>
        <dd>{org.legal_name || '—'}</dd>
        <dt>{t('org.paykeeper_id')}</dt>
        <dd>{org.paykeeper_id || '—'}</dd>
      </dl>
    </section>
  );
}

const flag = (value: string | undefined) => value === 'true';

/** 4.8 and `enabled_buttons`: the payment methods the payment form offers, as `bank.method`. */
function PaymentButtons() {
  const { t } = useTranslation('settings');
  const buttons = useQuery({
    queryKey: settingsKeys.enabledButtons,
    queryFn: ({ signal }) => settingsApi.enabledButtons(signal),
  });
  const defs: SettingDef[] = [
    { name: 'enabled_buttons', kind: 'buttons', label: t('buttons.label'), hint: t('buttons.hint') },
  ];
  if (buttons.error) return <QueryError error={buttons.error} retry={() => void buttons.refetch()} />;
  if (!buttons.data) return null;
  return (
    <SettingGroup
      title={t('buttons.title')}
      description={t('buttons.description')}
      defs={defs}
      initial={{ enabled_buttons: buttons.data.join(', ') }}
      testId="settings-buttons"
    />
  );
}

function AdminSettings({ org, me }: { org: OrgSettings; me: string }) {
  const { t } = useTranslation('settings');
  const contact: SettingDef[] = [
    { name: 'support_email', kind: 'email', label: t('org.support_email'), hint: t('org.support_emailHint') },
  ];
  const informer: SettingDef[] = [
    { name: 'informer_type', kind: 'informer', label: t('informer.type') },
    { name: 'informer_url', kind: 'url', label: t('informer.url'), hint: t('informer.urlHint') },
    { name: 'informer_seed', kind: 'secret', label: t('informer.seed'), hint: t('informer.seedHint') },
  ];
  const pages: SettingDef[] = [
    { name: 'skip_default_pages', kind: 'flag', label: t('pages.skip'), hint: t('pages.skipHint') },
    { name: 'success_url', kind: 'url', label: t('pages.success') },
    { name: 'fail_url', kind: 'url', label: t('pages.fail') },
  ];
  const smtp: SettingDef[] = [
    { name: 'smtp_use_custom', kind: 'flag', label: t('smtp.custom'), hint: t('smtp.customHint') },
    { name: 'smtp_host', kind: 'host', label: t('smtp.host'), hint: t('smtp.hostHint') },
    { name: 'smtp_port', kind: 'port', label: t('smtp.port') },
    { name: 'smtp_user', kind: 'email', label: t('smtp.user') },
    { name: 'smtp_password', kind: 'secret', label: t('smtp.password'), hint: t('smtp.passwordHint') },
  ];
  const cabinet: SettingDef[] = [
    { name: 'hide_statistics', kind: 'flag', label: t('cabinet.hide_statistics') },
    { name: 'hide_payments', kind: 'flag', label: t('cabinet.hide_payments') },
    { name: 'hide_invoices', kind: 'flag', label: t('cabinet.hide_invoices') },
    {
      name: 'hide_receipts',
      kind: 'flag',
      label: t('cabinet.hide_receipts'),
      hint: t('cabinet.hide_receiptsHint'),
    },
  ];
  return (
    <>
      <SettingGroup
        title={t('org.contact')}
        defs={contact}
        initial={{ support_email: org.support_email ?? '' }}
        testId="settings-contact"
      />
      <SettingGroup
        title={t('informer.title')}
        description={t('informer.description')}
        defs={informer}
        initial={{
          informer_type: org.informer_type ?? 'post',
          informer_url: org.informer_url ?? '',
          informer_seed: '',
        }}
        testId="settings-informer"
      />
      <SettingGroup
        title={t('pages.title')}
        defs={pages}
        initial={{
          skip_default_pages: flag(org.skip_default_pages),
          success_url: org.success_url ?? '',
          fail_url: org.fail_url ?? '',
        }}
        testId="settings-pages"
      />
      <SettingGroup
        title={t('smtp.title')}
        description={t('smtp.description')}
        defs={smtp}
        initial={{
          smtp_use_custom: flag(org.smtp_use_custom),
          smtp_host: org.smtp_host ?? '',
          smtp_port: org.smtp_port ?? '587',
          smtp_user: org.smtp_user ?? '',
          smtp_password: '',
        }}
        visible={(values) => (name) => name === 'smtp_use_custom' || values.smtp_use_custom === true}
        testId="settings-smtp"
      />
      <SettingGroup
        title={t('cabinet.title')}
        description={t('cabinet.description')}
        defs={cabinet}
        initial={Object.fromEntries(cabinetFlags.map((f) => [f, flag(org.cabinet?.[f])]))}
        testId="settings-cabinet"
      />
      <PaymentButtons />
      <FormFields />
      <ReportEmails />
      <Users me={me} />
    </>
  );
}
