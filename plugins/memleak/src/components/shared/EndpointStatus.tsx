import { StatusError, StatusOK } from '@backstage/core-components';
import type { EndpointCheck } from '@internal/plugin-memleak-common';
import { StatusText } from './StatusText';

/** `healthy (HTTP 200)`, with the service's own status word when it gives one. */
export function describeEndpoint(check: EndpointCheck): string {
  if (check.state === 'unreachable') {
    return `unreachable${check.error ? `: ${check.error}` : ''}`;
  }
  const details = [
    check.httpStatus !== undefined ? `HTTP ${check.httpStatus}` : undefined,
    check.reportedStatus ? `says "${check.reportedStatus}"` : undefined,
  ].filter(Boolean);
  return `${check.state}${details.length ? ` (${details.join(', ')})` : ''}`;
}

export const EndpointStatus = (props: { check: EndpointCheck }) => {
  return (
    <StatusText icon={props.check.state === 'healthy' ? StatusOK : StatusError}>
      {describeEndpoint(props.check)}
    </StatusText>
  );
};
