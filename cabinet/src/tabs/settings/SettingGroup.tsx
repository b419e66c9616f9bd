import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState } from 'react';
import { type Resolver, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { PkError } from '../../api/client.ts';
import { FieldInput } from '../invoices/FieldInput.tsx';
import { type SettingName, settingsApi, settingsKeys } from './api.ts';
import { buttonsOf, isButtonList, isEmail, isHost, isSecret, isWebUrl } from './checks.ts';

/**
 * A group of 5.1 settings as one form: each value checked here as the server checks it (same
 * rules, clear words), then every changed one sent with 5.1, one by one. A value the server
 * refuses keeps its field marked with the server's own message; the others are saved.
 */

export type SettingKind = 'email' | 'url' | 'secret' | 'host' | 'port' | 'flag' | 'informer' | 'buttons';

export type SettingDef = { name: SettingName; kind: SettingKind; label: string; hint?: string };

type Values = Record<string, string | boolean>;

export function SettingGroup({
  title,
  description,
  defs,
  initial,
  visible,
  testId,
}: {
  title: string;
  description?: string;
  defs: readonly SettingDef[];
  initial: Values;
  /** Which fields show given the form's current values (SMTP's fields follow its switch). */
  visible?: (values: Values) => (name: SettingName) => boolean;
  testId: string;
}) {
  const { t } = useTranslation('settings');
  const id = useId();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState<'idle' | 'saving' | 'saved' | 'partly'>('idle');

  const schema = useMemo(() => {
    const shape: Record<string, z.ZodType<string | boolean>> = {};
    for (const def of defs) {
      const text = z.string();
      switch (def.kind) {
        case 'email':
          shape[def.name] = text.refine((v) => v.trim() === '' || isEmail(v.trim()), t('check.email'));
          break;
        case 'url':
          shape[def.name] = text.refine((v) => v.trim() === '' || isWebUrl(v.trim()), t('check.url'));
          break;
        case 'secret':
          shape[def.name] = text.refine(isSecret, t('check.secret'));
          break;
        case 'host':
          shape[def.name] = text.refine((v) => v.trim() === '' || isHost(v.trim()), t('check.host'));
          break;
        case 'port':
          shape[def.name] = text.refine((v) => {
            const port = /^\d{1,5}$/.test(v.trim()) ? Number(v.trim()) : 0;
            return port >= 1 && port <= 65535;
          }, t('check.port'));
          break;
        case 'flag':
          shape[def.name] = z.boolean();
          break;
        case 'buttons':
          shape[def.name] = text.refine(isButtonList, t('check.buttons'));
          break;
        case 'informer':
          shape[def.name] = z.enum(['post', 'email'], { message: t('check.informerType') });
          break;
      }
    }
    return z.object(shape);
  }, [defs, t]);

  const {
    register,
    handleSubmit,
    reset,
    watch,
    setError,
    formState: { errors, isDirty, dirtyFields },
  } = useForm<Values>({
    // a schema built from the definitions: its input type is only known as `unknown`
    resolver: zodResolver(schema) as unknown as Resolver<Values>,
    defaultValues: initial,
  });
  const initialKey = JSON.stringify(initial);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the server's values change
  useEffect(() => reset(initial), [initialKey, reset]);
  const values = watch();
  const shows = visible ? visible(values) : () => true;

  const save = handleSubmit(async (submitted) => {
    setSaved('saving');
    let refused = false;
    for (const def of defs) {
      if (!(def.name in dirtyFields) || !shows(def.name)) continue;
      const value = submitted[def.name];
      const wire =
        typeof value === 'boolean'
          ? value
            ? 'true'
            : 'false'
          : def.kind === 'buttons'
            ? buttonsOf(value!).join(',')
            : value!.trim();
      if (def.kind === 'secret' && wire === '') continue; // an empty secret field changes nothing
      try {
        await settingsApi.change(def.name, def.kind === 'secret' ? String(value) : wire);
      } catch (error) {
        refused = true;
        setError(def.name, {
          type: 'server',
          message: error instanceof PkError || error instanceof Error ? error.message : String(error),
        });
      }
    }
    await queryClient.invalidateQueries({ queryKey: settingsKeys.organization });
    setSaved(refused ? 'partly' : 'saved');
  });

  return (
    <form
      className="settings-group panel"
      noValidate
      onSubmit={save}
      aria-labelledby={`${id}-title`}
      data-testid={testId}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      {description && <p className="muted">{description}</p>}
      {defs
        .filter((def) => shows(def.name))
        .map((def) => {
          const error = errors[def.name]?.message;
          const fieldId = `${id}-${def.name}`;
          if (def.kind === 'flag')
            return (
              <span key={def.name} className="field">
                <label className="check" htmlFor={fieldId}>
                  <input
                    id={fieldId}
                    type="checkbox"
                    aria-describedby={
                      [def.hint ? `${fieldId}-hint` : '', error ? `${fieldId}-error` : ''].join(' ').trim() ||
                      undefined
                    }
                    {...register(def.name)}
                  />{' '}
                  {def.label}
                </label>
                {def.hint && (
                  <span id={`${fieldId}-hint`} className="muted hint">
                    {def.hint}
                  </span>
                )}
                {error && (
                  <span id={`${fieldId}-error`} className="field-error" role="alert">
                    {error}
                  </span>
                )}
              </span>
            );
          if (def.kind === 'informer')
            return (
              <span key={def.name} className="field">
                <label htmlFor={fieldId}>{def.label}</label>
                <select
                  id={fieldId}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${fieldId}-error` : undefined}
                  {...register(def.name)}
                >
                  <option value="post">{t('informer.post')}</option>
                  <option value="email">{t('informer.email')}</option>
                </select>
                {error && (
                  <span id={`${fieldId}-error`} className="field-error" role="alert">
                    {error}
                  </span>
                )}
              </span>
            );
          return (
            <FieldInput
              key={def.name}
              id={fieldId}
              label={def.label}
              hint={def.hint}
              error={error}
              type={
                def.kind === 'secret'
                  ? 'password'
                  : def.kind === 'email'
                    ? 'email'
                    : def.kind === 'url'
                      ? 'url'
                      : 'text'
              }
              inputMode={def.kind === 'port' ? 'numeric' : undefined}
              autoComplete={def.kind === 'secret' ? 'new-password' : 'off'}
              {...register(def.name)}
            />
          );
        })}
      <div className="actions">
        <button type="submit" className="primary" disabled={!isDirty || saved === 'saving'}>
          {saved === 'saving' ? t('saving') : t('save')}
        </button>{' '}
        <span role="status" className={saved === 'partly' ? 'field-error' : 'muted'}>
          {saved === 'saved' ? t('saved') : saved === 'partly' ? t('savedPartly') : ''}
        </span>
      </div>
    </form>
  );
}
