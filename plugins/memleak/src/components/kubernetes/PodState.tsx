import { StatusError, StatusWarning } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { PodTarget } from '@internal/plugin-memleak-common';
import { StatusText } from '../shared';

const when = (iso?: string) =>
  iso
    ? new Date(iso).toLocaleString(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short',
      })
    : undefined;

/** The last termination; an OOM kill stands out (icon and bold), not by colour alone. */
const LastTermination = (props: {
  termination: NonNullable<PodTarget['lastTermination']>;
}) => {
  const { reason, exitCode, at } = props.termination;
  const details = [
    exitCode !== undefined ? `exit ${exitCode}` : undefined,
    when(at),
  ].filter(Boolean);
  const text = `${details.length ? ` (${details.join(', ')})` : ''}`;
  if (reason === 'OOMKilled') {
    return (
      <StatusText icon={StatusError}>
        last ended <strong>OOMKilled</strong>
        {text}
      </StatusText>
    );
  }
  return (
    <span>
      last ended {reason}
      {text}
    </span>
  );
};

/** The kubelet's readiness verdict; a running pod that is not ready stands out. */
const Readiness = (props: { pod: PodTarget }) => {
  const { phase, ready } = props.pod;
  if (ready === undefined) return null;
  if (ready) return <>, ready</>;
  return phase === 'Running' ? (
    <>
      , <StatusText icon={StatusWarning}>not ready</StatusText>
    </>
  ) : (
    <>, not ready</>
  );
};

/** Phase, readiness, restarts and how the pod's containers last ended. */
export const PodState = (props: { pod: PodTarget }) => {
  const { pod } = props;
  return (
    <>
      <Typography variant="body2">
        {pod.phase ?? 'Unknown'}
        <Readiness pod={pod} />, {pod.restarts}{' '}
        {pod.restarts === 1 ? 'restart' : 'restarts'}
      </Typography>
      {pod.lastTermination && (
        <Typography variant="body2" component="div">
          <LastTermination termination={pod.lastTermination} />
        </Typography>
      )}
    </>
  );
};
