import { lazy, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate, useParams } from 'react-router';
import { PeriodPicker } from '../../ui/PeriodPicker.tsx';
import { QueryError } from '../../ui/QueryError.tsx';
import { Export } from './Export.tsx';
import { Filters } from './Filters.tsx';
import { apiFilter, usePaymentFilter, useSystems } from './filter.ts';
import { Registry } from './Registry.tsx';

// the dialog, the refund form and its validation load when a payment is first opened
const Details = lazy(() => import('./Details.tsx').then((m) => ({ default: m.Details })));

/** Payments (spec section 2): the registry with its filter, a payment's details, export. */
export function PaymentsTab() {
  const { t } = useTranslation('payments');
  const [filter, change, setPeriod] = usePaymentFilter();
  const systems = useSystems();
  const { paymentId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const sent = useMemo(() => (systems.data ? apiFilter(filter, systems.data) : null), [filter, systems.data]);
  return (
    <section aria-labelledby="payments-title" className="payments">
      <h1 id="payments-title">{t('title')}</h1>
      <div className="toolbar">
        <PeriodPicker period={filter} onChange={setPeriod} />
        <Filters filter={filter} systems={systems.data ?? []} onChange={change} />
        {sent && <Export filter={sent} />}
      </div>
      {systems.error && <QueryError error={systems.error} retry={() => void systems.refetch()} />}
      {sent && systems.data && <Registry filter={sent} systems={systems.data} />}
      {paymentId && /^\d{1,19}$/.test(paymentId) && (
        <Suspense fallback={null}>
          <Details
            key={paymentId}
            paymentId={paymentId}
            onClose={() => navigate({ pathname: '/payments', search: location.search })}
          />
        </Suspense>
      )}
    </section>
  );
}
