import TextField from '@material-ui/core/TextField';
import { humanizeEntityRef } from '@backstage/plugin-catalog-react';
import { parseEntityRef } from '@backstage/catalog-model';
import { useId } from 'react';
import type { OwnerFilter as Filter } from './fleetOrder';

const ownerName = (ref: string) =>
  humanizeEntityRef(parseEntityRef(ref), { defaultKind: 'group' });

/** Whose entities to list: the user's groups' (when they have any), everyone's, or one owner's. */
export const OwnerFilter = (props: {
  owners: string[];
  hasOwnGroups: boolean;
  value: Filter;
  onChange: (value: Filter) => void;
}) => {
  const id = useId();
  return (
    <TextField
      select
      id={id}
      label="Owner"
      size="small"
      variant="outlined"
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      SelectProps={{ native: true }}
      InputLabelProps={{ shrink: true }}
      style={{ minWidth: 220 }}
    >
      {props.hasOwnGroups && <option value="mine">My groups</option>}
      <option value="all">All owners</option>
      {props.owners.map(ref => (
        <option key={ref} value={ref}>
          {ownerName(ref)}
        </option>
      ))}
    </TextField>
  );
};
