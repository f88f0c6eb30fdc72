import Button from '@material-ui/core/Button';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { describeMemleakError } from '../../api';

/** The report could not be loaded: the reason, and a way to try again. */
export const ReportErrorPanel = (props: {
  error: Error;
  onRetry: () => void;
}) => (
  <Alert
    severity="error"
    action={
      <Button
        color="inherit"
        size="small"
        onClick={props.onRetry}
        aria-label="Retry loading the memory report"
      >
        Retry
      </Button>
    }
  >
    <AlertTitle>Could not load the memory report</AlertTitle>
    {describeMemleakError(props.error)}
  </Alert>
);
