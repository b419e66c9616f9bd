import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type LoginFailure, logIn } from '../api/session.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { sessionKey } from './session.tsx';

type Fields = { login: string; password: string };

/** Seconds left until `until` (ms since epoch), counted down once a second. */
function useCountdown(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

export function Login({ ended }: { ended: boolean }) {
  const { t } = useTranslation('common');
  const queryClient = useQueryClient();
  const id = useId();
  const [failure, setFailure] = useState<LoginFailure | null>(null);
  const [blockedUntil, setBlockedUntil] = useState<number | null>(null);
  const secondsLeft = useCountdown(blockedUntil);
  const alertRef = useRef<HTMLDivElement>(null);
  // two required fields: plain state keeps the first screen free of a form library
  const [fields, setFields] = useState<Fields>({ login: '', password: '' });
  const [errors, setErrors] = useState<{ login?: true; password?: true }>({});
  const [isSubmitting, setSubmitting] = useState(false);
  const loginRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = {
      ...(fields.login.trim() === '' && { login: true as const }),
      ...(fields.password === '' && { password: true as const }),
    };
    setErrors(missing);
    if (missing.login) return loginRef.current?.focus();
    if (missing.password) return passwordRef.current?.focus();
    setSubmitting(true);
    const result = await logIn(fields.login.trim(), fields.password).finally(() => setSubmitting(false));
    if (result.ok) {
      queryClient.setQueryData(sessionKey, result.session);
      return;
    }
    setFailure(result.failure);
    setBlockedUntil(
      result.failure.kind === 'too_many_attempts'
        ? Date.now() + result.failure.retryAfterSeconds * 1000
        : null,
    );
  };
  useEffect(() => {
    if (failure) alertRef.current?.focus();
  }, [failure]);

  const message = (() => {
    if (failure?.kind === 'too_many_attempts')
      return secondsLeft > 0
        ? t('login.tooManyAttempts', { seconds: secondsLeft })
        : t('login.tooManyAttemptsNow');
    if (failure?.kind === 'bad_credentials') return t('login.badCredentials');
    if (failure?.kind === 'bad_request') return failure.message;
    if (failure?.kind === 'unavailable') return t('login.unavailable');
    if (ended) return t('login.sessionEnded');
    return null;
  })();

  return (
    <main className="login">
      <div className="login-lang">
        <LanguageSwitch />
      </div>
      <form
        className="login-card"
        onSubmit={(e) => void onSubmit(e)}
        noValidate
        aria-labelledby={`${id}-title`}
      >
        <h1 id={`${id}-title`}>{t('login.title')}</h1>
        {message && (
          <div ref={alertRef} tabIndex={-1} role="alert" className={failure ? 'alert alert-error' : 'alert'}>
            {message}
          </div>
        )}
        <label htmlFor={`${id}-login`}>{t('login.login')}</label>
        <input
          id={`${id}-login`}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          aria-invalid={errors.login ? true : undefined}
          aria-describedby={errors.login ? `${id}-login-error` : undefined}
          ref={loginRef}
          value={fields.login}
          onChange={(e) => setFields((f) => ({ ...f, login: e.target.value }))}
        />
        {errors.login && (
          <span id={`${id}-login-error`} className="field-error">
            {t('login.required')}
          </span>
        )}
        <label htmlFor={`${id}-password`}>{t('login.password')}</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          aria-invalid={errors.password ? true : undefined}
          aria-describedby={errors.password ? `${id}-password-error` : undefined}
          ref={passwordRef}
          value={fields.password}
          onChange={(e) => setFields((f) => ({ ...f, password: e.target.value }))}
        />
        {errors.password && (
          <span id={`${id}-password-error`} className="field-error">
            {t('login.required')}
          </span>
        )}
        <button type="submit" className="primary" disabled={isSubmitting || secondsLeft > 0}>
          {isSubmitting ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </main>
  );
}
