import { createBrowserRouter, Navigate } from 'react-router';
import { Layout } from './shell/Layout.tsx';
import { RouteError } from './shell/RouteError.tsx';

/**
 * /cabinet/<tab>: each tab is a chunk of its own, fetched when first opened (the `lazy`
 * routes), so the first screen carries only the shell.
 */
export const createRouter = () =>
  createBrowserRouter(
    [
      {
        path: '/',
        element: <Layout />,
        errorElement: <RouteError />,
        children: [
          { index: true, element: <Navigate to="/statistics" replace /> },
          {
            path: 'statistics',
            errorElement: <RouteError />,
            lazy: () => import('./tabs/statistics/index.tsx').then((m) => ({ Component: m.StatisticsTab })),
          },
          {
            path: 'payments/:paymentId?',
            errorElement: <RouteError />,
            lazy: () => import('./tabs/payments/index.tsx').then((m) => ({ Component: m.PaymentsTab })),
          },
          {
            path: 'invoices/*',
            errorElement: <RouteError />,
            lazy: () => import('./tabs/invoices/index.tsx').then((m) => ({ Component: m.InvoicesTab })),
          },
          {
            path: 'settings/*',
            errorElement: <RouteError />,
            lazy: () => import('./tabs/settings/index.tsx').then((m) => ({ Component: m.SettingsTab })),
          },
          { path: '*', element: <RouteError /> },
        ],
      },
    ],
    { basename: '/cabinet' },
  );
