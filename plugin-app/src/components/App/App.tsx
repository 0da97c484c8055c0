import React from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';

const IncidentsPage = React.lazy(() => import('../../pages/Incidents/IncidentsPage'));
const IncidentDetailPage = React.lazy(() => import('../../pages/Incidents/IncidentDetailPage'));
const ServiceGraphPage = React.lazy(() => import('../../pages/ServiceGraph/ServiceGraphPage'));
const AgentsPage = React.lazy(() => import('../../pages/Agents/AgentsPage'));
const IacPage = React.lazy(() => import('../../pages/Iac/IacPage'));

function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path={ROUTES.Incidents} element={<IncidentsPage />} />
      <Route path={`${ROUTES.Incidents}/:id`} element={<IncidentDetailPage />} />
      <Route path={ROUTES.ServiceGraph} element={<ServiceGraphPage />} />
      <Route path={ROUTES.Agents} element={<AgentsPage />} />
      <Route path={ROUTES.Iac} element={<IacPage />} />
      <Route path="*" element={<Navigate to={ROUTES.Incidents} replace />} />
    </Routes>
  );
}

export default App;
