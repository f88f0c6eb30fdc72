import { createRouteRef, PageBlueprint } from '@backstage/frontend-plugin-api';
import MemoryIcon from '@material-ui/icons/Memory';

/** Route of the fleet page in the new frontend system. @alpha */
export const memleakFleetRouteRef = createRouteRef();

/** The fleet page at `/memleak`: every traceable entity, leaks first. @alpha */
export const memleakFleetPage = PageBlueprint.make({
  params: {
    path: '/memleak',
    title: 'Memory across services',
    icon: <MemoryIcon fontSize="inherit" />,
    routeRef: memleakFleetRouteRef,
    loader: () =>
      import('../components/FleetPage').then(m => <m.FleetContent />),
  },
});
