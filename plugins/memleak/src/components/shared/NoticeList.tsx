import Box from '@material-ui/core/Box';
import Alert from '@material-ui/lab/Alert';
import type { Notice } from '@internal/plugin-memleak-common';

/** Lost events, attach failures and the like, one alert each. */
export const NoticeList = (props: { notices: Notice[] }) => {
  if (props.notices.length === 0) return null;
  return (
    <Box display="flex" flexDirection="column" gridGap={8}>
      {props.notices.map((notice, i) => (
        <Alert key={`${notice.code}-${notice.at}-${i}`} severity={notice.level}>
          {notice.message}
        </Alert>
      ))}
    </Box>
  );
};
