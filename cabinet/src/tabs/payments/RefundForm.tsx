import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { pk } from '../../api/paykeeper.ts';
import { formatAmount, parseAmountMinor, printAmountMinor } from '../../ui/format.ts';

/**
 * 2.8: a full or partial refund, checked here (a sum of roubles, above zero, within what is
 * left: compared in kopecks as BigInt) and then confirmed in a second step that says exactly
 * what will happen. The server decides in the end (rights, daily limit, races).
 */
export function RefundForm({
  paymentId,
  remaining,
  onDone,
}: {
  paymentId: string;
  remaining: bigint;
  onDone: () => void;
}) {
  const { t, i18n } = useTranslation('payments');
  const id = useId();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<{ amount: string; partial: boolean } | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const remainingText = printAmountMinor(remaining);

  const schema = z
    .object({ kind: z.enum(['full', 'partial']), amount: z.string() })
    .superRefine((value, ctx) => {
      if (value.kind === 'full') return;
      const minor = parseAmountMinor(value.amount);
      if (minor === null) ctx.addIssue({ code: 'custom', path: ['amount'], message: t('refund.notASum') });
      else if (minor <= 0n) ctx.addIssue({ code: 'custom', path: ['amount'], message: t('refund.zero') });
      else if (minor > remaining)
        ctx.addIssue({
          code: 'custom',
          path: ['amount'],
          message: t('refund.tooMuch', { remaining: formatAmount(remainingText, i18n.language) }),
        });
    });
  type Fields = z.infer<typeof schema>;
  const {
    register,
    handleSubmit,
    watch,
    formState: { errors },
  } = useForm<Fields>({ resolver: zodResolver(schema), defaultValues: { kind: 'full', amount: '' } });
  const kind = watch('kind');

  const refund = useMutation({
    mutationFn: ({ amount, partial }: { amount: string; partial: boolean }) =>
      pk.reverse(paymentId, amount, partial),
    onSuccess: async () => {
      setConfirming(null);
      // the payment, its refunds, the registry and the statistics all changed
      await queryClient.invalidateQueries();
      onDone();
    },
  });
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (confirming)
    return (
      <fieldset className="confirm" aria-labelledby={`${id}-confirm`}>
        <p id={`${id}-confirm`}>
          <strong>
            {t(confirming.partial ? 'refund.confirmPartial' : 'refund.confirmFull', {
              amount: formatAmount(confirming.amount, i18n.language),
              id: paymentId,
            })}
          </strong>
        </p>
        {refund.error && (
          <p role="alert" className="field-error">
            {refund.error.message}
          </p>
        )}
        <button
          ref={confirmRef}
          type="button"
          className="danger"
          disabled={refund.isPending}
          onClick={() => refund.mutate(confirming)}
        >
          {refund.isPending ? t('refund.sending') : t('refund.confirm')}
        </button>{' '}
        <button type="button" disabled={refund.isPending} onClick={() => setConfirming(null)}>
          {t('refund.back')}
        </button>
      </fieldset>
    );

  return (
    <form
      className="refund-form"
      noValidate
      onSubmit={handleSubmit((fields) => {
        refund.reset();
        if (fields.kind === 'full') setConfirming({ amount: remainingText, partial: false });
        else {
          const minor = parseAmountMinor(fields.amount) ?? 0n;
          setConfirming({ amount: printAmountMinor(minor), partial: minor < remaining });
        }
      })}
    >
      <fieldset>
        <legend>{t('refund.kind')}</legend>
        <label className="check">
          <input type="radio" value="full" {...register('kind')} />{' '}
          {t('refund.full', { amount: formatAmount(remainingText, i18n.language) })}
        </label>
        <label className="check">
          <input type="radio" value="partial" {...register('kind')} /> {t('refund.partial')}
        </label>
      </fieldset>
      {kind === 'partial' && (
        <span className="field">
          <label htmlFor={`${id}-amount`}>{t('refund.amount')}</label>
          <input
            id={`${id}-amount`}
            inputMode="decimal"
            autoComplete="off"
            aria-invalid={errors.amount ? true : undefined}
            aria-describedby={`${id}-amount-hint${errors.amount ? ` ${id}-amount-error` : ''}`}
            {...register('amount')}
          />
          <span id={`${id}-amount-hint`} className="muted hint">
            {t('refund.amountHint', { remaining: formatAmount(remainingText, i18n.language) })}
          </span>
          {errors.amount && (
            <span id={`${id}-amount-error`} className="field-error" role="alert">
              {errors.amount.message}
            </span>
          )}
        </span>
      )}
      <button type="submit" className="primary">
        {t('refund.next')}
      </button>
    </form>
  );
}
