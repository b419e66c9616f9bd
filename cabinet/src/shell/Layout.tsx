import { Suspense, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet, useLocation } from 'react-router';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { useSession } from './session.tsx';

export const tabs = ['statistics', 'payments', 'invoices', 'settings'] as const;
export type Tab = (typeof tabs)[number];

/** The header (merchant, user, last visit, language, logout), the tab bar, and the tab. */
/** Tabs that read a period: going from one to another keeps it. */
const periodTabs = new Set<Tab>(['statistics', 'payments']);
const periodOf = (search: string): string => {
  const params = new URLSearchParams(search);
  const start = params.get('start');
  const end = params.get('end');
  return start && end ? `?${new URLSearchParams({ start, end })}` : '';
};

export function Layout() {
  const { t } = useTranslation('common');
  const { session, logout } = useSession();
  const location = useLocation();
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
        {tabs.map((tab) => (
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
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
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
