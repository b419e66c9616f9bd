import i18next, { type BackendModule } from 'i18next';
import { initReactI18next } from 'react-i18next';

/**
 * Russian and English, one JSON file per language and namespace: `common` (the shell, the
 * login) and one per tab (`statistics`, `payments`, `invoices`, `settings`), each fetched only
 * when its tab first needs it. The choice is kept in localStorage; the first visit follows
 * the browser.
 */
export const languages = ['ru', 'en'] as const;
export type Language = (typeof languages)[number];
export const namespaces = ['common', 'statistics', 'payments', 'invoices', 'settings'] as const;
export type Namespace = (typeof namespaces)[number];

const storageKey = 'kopek.cabinet.lang';

const isLanguage = (value: unknown): value is Language => languages.includes(value as Language);

function initialLanguage(): Language {
  try {
    const saved = localStorage.getItem(storageKey);
    if (isLanguage(saved)) return saved;
  } catch {
    // storage may be unavailable (privacy mode): fall back to the browser's language
  }
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

// Vite turns each file into a chunk of its own, loaded on demand.
const files = import.meta.glob<{ default: Record<string, unknown> }>('./*/*.json');

const lazyFiles: BackendModule = {
  type: 'backend',
  init() {},
  read(language, namespace, callback) {
    const load = files[`./${language}/${namespace}.json`];
    if (!load) return callback(new Error(`no translations ${language}/${namespace}`), false);
    load().then(
      (module) => callback(null, module.default),
      (error: unknown) => callback(error as Error, false),
    );
  },
};

export function setLanguage(language: Language): Promise<unknown> {
  try {
    localStorage.setItem(storageKey, language);
  } catch {
    // not persisted, still switched
  }
  return i18next.changeLanguage(language);
}

export const currentLanguage = (): Language => (isLanguage(i18next.language) ? i18next.language : 'en');

i18next.on('languageChanged', (language) => {
  document.documentElement.lang = language;
});

export const i18nReady = i18next
  .use(lazyFiles)
  .use(initReactI18next)
  .init({
    lng: initialLanguage(),
    fallbackLng: 'en',
    supportedLngs: [...languages],
    ns: ['common'],
    defaultNS: 'common',
    interpolation: { escapeValue: false }, // React escapes
    react: { useSuspense: true },
    returnNull: false,
  });

export { i18next };
