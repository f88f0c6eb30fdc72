import { InfoCard, Progress } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useState } from 'react';
import { describeMemleakError } from '../../api';
import { useFleet, useOwnershipRefs } from '../../hooks';
import {
  filterByOwner,
  sortFleet,
  type OwnerFilter as Filter,
} from './fleetOrder';
import { FleetTable } from './FleetTable';
import { OwnerFilter } from './OwnerFilter';

/**
 * Every entity the backend can trace, leaks first, filtered by owner: by
 * default the signed-in user's groups (everyone's when those own none).
 */
export const FleetContent = () => {
  const fleet = useFleet();
  const ownership = useOwnershipRefs();
  const [chosen, setChosen] = useState<Filter>();
  if (fleet.error) {
    return (
      <Alert
        severity="error"
        action={
          <Button
            color="inherit"
            size="small"
            onClick={fleet.retry}
            aria-label="Retry loading the fleet"
          >
            Retry
          </Button>
        }
      >
        {describeMemleakError(fleet.error)}
      </Alert>
    );
  }
  if (!fleet.value || ownership.loading) return <Progress />;
  const own = ownership.value ?? [];
  const items = fleet.value.items;
  // The user's groups first; everyone's when their groups own nothing here.
  const ownsSome = filterByOwner(items, 'mine', own).length > 0;
  const filter = chosen ?? (ownsSome ? 'mine' : 'all');
  const owners = [
    ...new Set(items.flatMap(i => (i.ownerRef ? [i.ownerRef] : []))),
  ].sort();
  const shown = sortFleet(filterByOwner(items, filter, own));
  return (
    <InfoCard title="Heaps across services">
      <Box display="flex" flexDirection="column" gridGap={16}>
        <OwnerFilter
          owners={owners}
          hasOwnGroups={own.length > 0}
          value={filter}
          onChange={setChosen}
        />
        {!chosen && !ownsSome && items.length > 0 && (
          <Typography variant="body2" color="textSecondary">
            Your groups own no entity this backend can trace, so every owner’s
            are listed.
          </Typography>
        )}
        {shown.length > 0 ? (
          <FleetTable items={shown} />
        ) : (
          <Typography variant="body2" color="textSecondary">
            {items.length === 0
              ? 'This backend can trace no entity you may read: entities need the Kubernetes annotations (backstage.io/kubernetes-id) or an entry in memleak.localTargets.'
              : 'No traceable entity has this owner. Choose “All owners” to see every one.'}
          </Typography>
        )}
      </Box>
    </InfoCard>
  );
};
