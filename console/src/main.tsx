// Entry of the console: query client, session, router; the executor editor and other heavy pages load on demand.
import { StrictMode, lazy, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { SessionProvider, useSession } from './session';
import { SignIn } from './pages/SignIn';
import { Layout } from './components/Layout';
import { ExecutorsList } from './pages/ExecutorsList';
import { Loading } from './components/Problem';
import './styles.css';

const ExecutorPage = lazy(() => import('./pages/ExecutorPage'));
const SecretsPage = lazy(() => import('./pages/SecretsPage'));
const ExecutionsPage = lazy(() => import('./pages/ExecutionsPage'));
const DashboardPage = lazy(() => import('./pages/DashboardPage'));
const EventsPage = lazy(() => import('./pages/EventsPage'));
const DeadLettersPage = lazy(() => import('./pages/DeadLettersPage'));
const TicketsPage = lazy(() => import('./pages/TicketsPage'));
const StoragePage = lazy(() => import('./pages/StoragePage'));
const TokensPage = lazy(() => import('./pages/TokensPage'));
const BindingsPage = lazy(() => import('./pages/bindings/BindingsPage'));

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } });

function Pages() {
  const { me } = useSession();
  if (!me) return <SignIn />;
  return (
    <Layout>
      <Suspense fallback={<Loading what="page" />}>
        <Routes>
          <Route path="/" element={<Navigate to="/executors" replace />} />
          <Route path="/executors" element={<ExecutorsList />} />
          <Route path="/executors/new" element={<ExecutorPage />} />
          <Route path="/executors/:name" element={<ExecutorPage />} />
          <Route path="/secrets" element={<SecretsPage />} />
          <Route path="/executions" element={<ExecutionsPage />} />
          <Route path="/executions/:id" element={<ExecutionsPage />} />
          <Route path="/dashboard" element={<DashboardPage />} />
          <Route path="/events" element={<EventsPage />} />
          <Route path="/events/:id" element={<EventsPage />} />
          <Route path="/dead-letters" element={<DeadLettersPage />} />
          <Route path="/tickets" element={<TicketsPage />} />
          <Route path="/tickets/:id" element={<TicketsPage />} />
          <Route path="/storage" element={<StoragePage />} />
          <Route path="/tokens" element={<TokensPage />} />
          <Route path="/bindings/*" element={<BindingsPage />} />
          <Route path="*" element={<p>Nothing here. <a href="/executors">Executors</a></p>} />
        </Routes>
      </Suspense>
    </Layout>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <SessionProvider>
          <Pages />
        </SessionProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
