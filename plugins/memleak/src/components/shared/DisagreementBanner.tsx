import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { Disagreement } from '@internal/plugin-memleak-common';

/** Shown where the service's own story and the kernel's view part ways. */
export const DisagreementBanner = (props: { disagreement?: Disagreement }) => {
  if (!props.disagreement) return null;
  return (
    <Alert severity="warning" variant="outlined">
      <AlertTitle>The service and the kernel disagree</AlertTitle>
      {props.disagreement.message}
    </Alert>
  );
};
