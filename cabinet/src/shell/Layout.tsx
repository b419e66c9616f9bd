import { useQuery } from '@tanstack/react-query';
import { Suspense, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, NavLink, Outlet, useLocation } from 'react-router';
import type { Flag } from '../api/types.ts';
import { settingsApi, settingsKeys } from '../tabs/settings/api.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { useSession } from './session.tsx';

export const tabs = ['statistics', 'payments', 'invoices', 'settings'] as const;
export type Tab = (typeof tabs)[number];

/**
 * The organization's `cabinet` flags (4.3, for every user; an administrator switches them
 * with 5.1) that hide a tab of this cabinet. `hide_receipts` hides nothing here: this cabinet
 * has no receipts tab. Settings is never hidden, or no one could switch a flag back.
 */
const hidingFlags: Partial<Record<Tab, string>> = {
  statistics: 'hide_statistics',
  payments: 'hide_payments',
  invoices: 'hide_invoices',
};
export const visibleTabs = (flags: Record<string, Flag> | undefined): Tab[] =>
  tabs.filter((tab) => {
    const flag = hidingFlags[tab];
    return flag === undefined || flags?.[flag] !== 'true';
  });

/** Tabs that read a period: going from one to another keeps it. */
const periodTabs = new Set<Tab>(['statistics', 'payments']);
const periodOf = (search: string): string => {
  const params = new URLSearchParams(search);
  const start = params.get('start');
  const end = params.get('end');
  return start && end ? `?${new URLSearchParams({ start, end })}` : '';
};

/** The header (merchant, user, last visit, language, logout), the tab bar, and the tab. */
export function Layout() {
  const { t } = useTranslation('common');
  const { session, logout } = useSession();
  const location = useLocation();
  // the same query as the Settings tab's: a flag switched there hides its tab here at once
  const org = useQuery({
    queryKey: settingsKeys.organization,
    queryFn: ({ signal }) => settingsApi.organization(signal),
  });
  // until 4.3 answers, no tab is shown (a hidden one must not flash); if it fails, every tab
  // is (the flags only tidy the cabinet; the tabs' own calls still work)
  const known = !org.isPending;
  const shown = known ? visibleTabs(org.data?.cabinet) : [];
  const current = location.pathname.split('/')[1] ?? '';
  const hiddenNow = known && (tabs as readonly string[]).includes(current) && !shown.includes(current as Tab);
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  // Moving to another tab moves the focus to its content, as a page load would for a screen reader.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each new tab path
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [location.pathname.split('/')[1]]);
  const visit = session.last_visit;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="header">
        <div className="header-who">
          <span className="merchant" title={t('header.merchant')}>
            {session.merchant.name}
          </span>
          <span className="user">
            <span className="visually-hidden">{t('header.user')}: </span>
            {session.user.login}
          </span>
          <span className="last-visit" data-testid="last-visit">
            {visit
              ? t('header.lastVisit', { datetime: visit.datetime, ip: visit.ip })
              : t('header.firstVisit')}
          </span>
        </div>
        <div className="header-actions">
          <LanguageSwitch />
          <button type="button" onClick={() => void logout()}>
            {t('header.logout')}
          </button>
        </div>
      </header>
      <nav className="tabs" aria-label={t('tabs.label')}>
        {shown.map((tab) => (
          <NavLink
            key={tab}
            to={{ pathname: `/${tab}`, search: periodTabs.has(tab) ? periodOf(location.search) : '' }}
            className="tab"
          >
            {t(`tabs.${tab}`)}
          </NavLink>
        ))}
      </nav>
      <main id="main" ref={mainRef} tabIndex={-1} className="content">
        {!known ? (
          <Loading />
        ) : hiddenNow ? (
          // a hidden tab (a bookmark, or a flag switched while on it) routes to the first shown one
          <Navigate to={`/${shown[0] ?? 'settings'}`} replace />
        ) : (
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        )}
      </main>
    </div>
  );
}

export function Loading() {
  const { t } = useTranslation('common');
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}
