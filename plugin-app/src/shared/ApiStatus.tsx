import React from 'react';
import { Alert, LoadingPlaceholder } from '@grafana/ui';
import type { ApiResult } from '../api/client';
import { testIds } from '../testIds';

/** Renders children with the data, or the loading / "not available" / error state of a call. */
export function ApiStatus<T>(props: {
  result?: ApiResult<T>;
  what: string;
  children: (data: T) => React.ReactNode;
}): React.ReactElement {
  const { result, what, children } = props;
  if (!result) return <LoadingPlaceholder text={`Loading ${what}…`} />;
  if (result.kind === 'unavailable') {
    return (
      <Alert severity="info" title={`${what} not available`} data-testid={testIds.unavailable}>
        This Aegis backend does not serve {what} yet ({result.message}).
      </Alert>
    );
  }
  if (result.kind === 'error') {
    return (
      <Alert severity="error" title={`Could not load ${what}`}>
        {result.status ? `HTTP ${result.status}: ` : ''}
        {result.message}
      </Alert>
    );
  }
  return <>{children(result.data)}</>;
}
