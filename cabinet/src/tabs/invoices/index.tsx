import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { InvoiceForm } from './InvoiceForm.tsx';
import { InvoiceList } from './InvoiceList.tsx';
import './invoices.css';

/** Invoices (spec section 3): the registry at /invoices, a new one (or a duplicate) at /invoices/new. */
export function InvoicesTab() {
  const { t } = useTranslation('invoices');
  return (
    <section aria-labelledby="invoices-title" className="invoices">
      <h1 id="invoices-title">{t('title')}</h1>
      <Routes>
        <Route index element={<InvoiceList />} />
        <Route path="new" element={<InvoiceForm />} />
        <Route path="*" element={<InvoiceList />} />
      </Routes>
    </section>
  );
}
