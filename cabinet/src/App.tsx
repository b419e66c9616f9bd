import { Suspense, useState } from 'react';
import { RouterProvider } from 'react-router';
import { createRouter } from './router.tsx';
import { Loading } from './shell/Layout.tsx';
import { Login } from './shell/Login.tsx';
import { SessionGate } from './shell/session.tsx';

function Cabinet() {
  // One router per login: logging out and in again starts from a clean history state.
  const [router] = useState(createRouter);
  return <RouterProvider router={router} />;
}

export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <SessionGate loading={<Loading />} login={({ ended }) => <Login ended={ended} />}>
        <Cabinet />
      </SessionGate>
    </Suspense>
  );
}
