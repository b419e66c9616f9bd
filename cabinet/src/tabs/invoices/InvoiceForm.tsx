import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { z } from 'zod';
import { formatAmount, parseAmountMinor, printAmountMinor } from '../../ui/format.ts';
import { moscowToday } from '../../ui/period.ts';
import { QueryError } from '../../ui/QueryError.tsx';
import { invoiceApi, invoiceKeys, type Preview, type PreviewFields } from './api.ts';
import { FieldInput } from './FieldInput.tsx';

/**
 * A new invoice (3.4, 3.5): the form is checked here first, then 3.4 creates the invoice and
 * answers the e-mail the payer will get, shown as it is in a sandboxed frame (no script, no
 * access to the cabinet). Once shown, the preview follows the form: a change, once the form is
 * valid again and the typing has paused, makes a fresh one. "Send" e-mails the invoice shown.
 * `?from=<id>` fills the form from an earlier invoice (duplicate), without its order number,
 * which must be new.
 */

const previewDelayMs = 1200;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const phonePattern = /^\+?[0-9 ()-]{5,20}$/;

type Fields = {
  pay_amount: string;
  client_email: string;
  clientid: string;
  orderid: string;
  service_name: string;
  client_phone: string;
  expiry: string;
};

const empty: Fields = {
  pay_amount: '',
  client_email: '',
  clientid: '',
  orderid: '',
  service_name: '',
  client_phone: '',
  expiry: '',
};

const toPreviewFields = (f: Fields): PreviewFields => {
  const minor = parseAmountMinor(f.pay_amount);
  return {
    pay_amount: minor === null ? f.pay_amount : printAmountMinor(minor),
    client_email: f.client_email.trim(),
    clientid: f.clientid.trim(),
    orderid: f.orderid.trim(),
    service_name: f.service_name.trim(),
    client_phone: f.client_phone.trim(),
    expiry: f.expiry,
  };
};

const sameFields = (a: PreviewFields, b: PreviewFields) => JSON.stringify(a) === JSON.stringify(b);

export function InvoiceForm() {
  const { t, i18n } = useTranslation('invoices');
  const id = useId();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const from = params.get('from');
  const source = useQuery({
    queryKey: invoiceKeys.one(from ?? ''),
    queryFn: ({ signal }) => invoiceApi.byId(from ?? '', signal),
    enabled: from !== null && /^\d{1,19}$/.test(from),
  });

  const schema = useMemo(() => {
    const today = moscowToday();
    return z.object({
      pay_amount: z.string().superRefine((text, ctx) => {
        const minor = parseAmountMinor(text);
        if (text.trim() === '') ctx.addIssue({ code: 'custom', message: t('form.required') });
        else if (minor === null) ctx.addIssue({ code: 'custom', message: t('form.notASum') });
        else if (minor <= 0n) ctx.addIssue({ code: 'custom', message: t('form.zero') });
      }),
      client_email: z
        .string()
        .refine((v) => v.trim() === '' || emailPattern.test(v.trim()), t('form.notAnEmail')),
      clientid: z.string().max(256, t('form.tooLong', { max: 256 })),
      orderid: z.string().max(256, t('form.tooLong', { max: 256 })),
      service_name: z.string().max(2000, t('form.tooLong', { max: 2000 })),
      client_phone: z
        .string()
        .refine((v) => v.trim() === '' || phonePattern.test(v.trim()), t('form.notAPhone')),
      expiry: z.string().refine((v) => v === '' || v > today, t('form.expiryPast')),
    });
  }, [t]);

  const form = useForm<Fields>({ resolver: zodResolver(schema), defaultValues: empty, mode: 'onChange' });
  const {
    register,
    handleSubmit,
    reset,
    control,
    formState: { errors, isValid },
  } = form;

  // the duplicate's fields, once loaded (the order number stays empty: it must be new)
  const filledFrom = useRef<string | null>(null);
  useEffect(() => {
    if (!source.data || filledFrom.current === source.data.id) return;
    filledFrom.current = source.data.id;
    const d = source.data;
    reset({
      ...empty,
      pay_amount: d.pay_amount,
      client_email: d.client_email ?? '',
      clientid: d.clientid ?? '',
      service_name: d.service_name ?? '',
      client_phone: d.client_phone ?? '',
    });
  }, [source.data, reset]);

  const [shown, setShown] = useState<{ preview: Preview; fields: PreviewFields } | null>(null);
  const [sentTo, setSentTo] = useState<{ id: string; email: string } | null>(null);
  const preview = useMutation({
    mutationFn: async (fields: PreviewFields) => ({ preview: await invoiceApi.preview(fields), fields }),
    onSuccess: (result) => {
      setShown(result);
      setSentTo(null);
    },
  });
  const send = useMutation({
    mutationFn: (target: { id: string; email: string }) => invoiceApi.send(target.id).then(() => target),
    onSuccess: async (target) => {
      setSentTo(target);
      await queryClient.invalidateQueries({ queryKey: invoiceKeys.all });
    },
  });

  // live: after the first preview, a valid change makes a fresh one once typing pauses
  const values = useWatch({ control }) as Fields;
  const current = toPreviewFields({ ...empty, ...values });
  const outdated = shown !== null && !sameFields(shown.fields, current);
  const { mutate: previewMutate, isPending: previewPending } = preview;
  const currentKey = JSON.stringify(current);
  useEffect(() => {
    if (!outdated || !isValid || previewPending) return;
    const timer = setTimeout(() => previewMutate(JSON.parse(currentKey) as PreviewFields), previewDelayMs);
    return () => clearTimeout(timer);
  }, [outdated, isValid, previewPending, previewMutate, currentKey]);

  const email = shown?.fields.client_email ?? '';
  const canSend = shown !== null && !outdated && email !== '' && sentTo?.id !== shown.preview.invoice_id;

  return (
    <div className="invoice-new">
      <form
        className="invoice-form"
        noValidate
        aria-labelledby={`${id}-title`}
        onSubmit={handleSubmit((fields) => preview.mutate(toPreviewFields(fields)))}
      >
        <h2 id={`${id}-title`}>{from ? t('form.duplicateTitle', { id: from }) : t('form.title')}</h2>
        {source.error && <QueryError error={source.error} retry={() => void source.refetch()} />}
        <FieldInput
          id={`${id}-amount`}
          label={t('form.amount')}
          hint={t('form.amountHint')}
          error={errors.pay_amount?.message}
          required
          inputMode="decimal"
          autoComplete="off"
          {...register('pay_amount')}
        />
        <FieldInput
          id={`${id}-email`}
          label={t('form.email')}
          hint={t('form.emailHint')}
          error={errors.client_email?.message}
          type="email"
          autoComplete="off"
          {...register('client_email')}
        />
        <FieldInput
          id={`${id}-service`}
          label={t('form.service')}
          error={errors.service_name?.message}
          autoComplete="off"
          {...register('service_name')}
        />
        <FieldInput
          id={`${id}-client`}
          label={t('form.clientid')}
          error={errors.clientid?.message}
          autoComplete="off"
          {...register('clientid')}
        />
        <FieldInput
          id={`${id}-order`}
          label={t('form.orderid')}
          hint={from ? t('form.orderidNew') : undefined}
          error={errors.orderid?.message}
          autoComplete="off"
          {...register('orderid')}
        />
        <FieldInput
          id={`${id}-phone`}
          label={t('form.phone')}
          error={errors.client_phone?.message}
          type="tel"
          autoComplete="off"
          {...register('client_phone')}
        />
        <FieldInput
          id={`${id}-expiry`}
          label={t('form.expiry')}
          hint={t('form.expiryHint')}
          error={errors.expiry?.message}
          type="date"
          min={moscowToday()}
          {...register('expiry')}
        />
        {preview.error && <QueryError error={preview.error} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={preview.isPending}>
            {preview.isPending ? t('form.previewing') : shown ? t('form.refreshPreview') : t('form.preview')}
          </button>{' '}
          <Link to="/invoices">{t('form.back')}</Link>
        </div>
      </form>

      <section
        className="invoice-preview"
        aria-labelledby={`${id}-preview-title`}
        aria-busy={preview.isPending}
      >
        <h2 id={`${id}-preview-title`}>{t('preview.title')}</h2>
        {!shown && <p className="muted">{t('preview.none')}</p>}
        {shown && (
          <>
            <p className="muted" aria-live="polite">
              {outdated
                ? isValid
                  ? t('preview.updating')
                  : t('preview.invalid')
                : t('preview.shown', {
                    id: shown.preview.invoice_id,
                    amount: formatAmount(shown.fields.pay_amount, i18n.language),
                  })}
            </p>
            <iframe
              className="invoice-frame"
              title={t('preview.frameTitle')}
              sandbox=""
              referrerPolicy="no-referrer"
              srcDoc={shown.preview.invoice}
            />
            <p>
              {t('preview.link')}{' '}
              <a href={shown.preview.invoice_url} target="_blank" rel="noreferrer noopener">
                {shown.preview.invoice_url}
              </a>
            </p>
            {send.error && <QueryError error={send.error} />}
            {sentTo?.id === shown.preview.invoice_id ? (
              <p role="status" className="alert alert-ok">
                {t('preview.sent', { email: sentTo.email, id: sentTo.id })}{' '}
                <Link to="/invoices">{t('preview.toList')}</Link>
              </p>
            ) : (
              <>
                {email === '' && <p className="muted">{t('preview.noEmail')}</p>}
                <button
                  type="button"
                  className="primary"
                  disabled={!canSend || send.isPending}
                  onClick={() => shown && send.mutate({ id: shown.preview.invoice_id, email })}
                >
                  {send.isPending ? t('preview.sending') : t('preview.send', { email: email || '—' })}
                </button>
              </>
            )}
          </>
        )}
      </section>
    </div>
  );
}
