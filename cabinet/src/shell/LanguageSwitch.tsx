import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage, type Language, languages, setLanguage } from '../i18n/index.ts';

/** A labelled select: Русский / English, kept in localStorage. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation('common');
  const id = useId();
  return (
    <span className="lang-switch">
      <label htmlFor={id}>{t('header.language')}</label>
      <select
        id={id}
        value={i18n.resolvedLanguage ?? currentLanguage()}
        onChange={(event) => void setLanguage(event.target.value as Language)}
      >
        {languages.map((language) => (
          <option key={language} value={language} lang={language}>
            {t(`lang.${language}`)}
          </option>
        ))}
      </select>
    </span>
  );
}
