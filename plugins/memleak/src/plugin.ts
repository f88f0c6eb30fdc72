import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { memleakApiRef, MemleakClient } from './api';
import { fleetRouteRef, rootRouteRef } from './routes';

/**
 * The memleak frontend plugin (legacy frontend system).
 * @public
 */
export const memleakPlugin = createPlugin({
  id: 'memleak',
  apis: [
    createApiFactory({
      api: memleakApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MemleakClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef, fleet: fleetRouteRef },
});

/**
 * Overview card: reported health and memory next to the eBPF-observed heap.
 * @public
 */
export const EntityMemleakCard = memleakPlugin.provide(
  createComponentExtension({
    name: 'EntityMemleakCard',
    component: {
      lazy: () =>
        import('./components/EntityMemleakCard').then(m => m.EntityMemleakCard),
    },
  }),
);

/**
 * Entity tab: the memory timeline, leaking stacks, targets and trace history.
 * @public
 */
export const EntityMemleakContent = memleakPlugin.provide(
  createRoutableExtension({
    name: 'EntityMemleakContent',
    component: () =>
      import('./components/EntityMemleakContent').then(
        m => m.EntityMemleakContent,
      ),
    mountPoint: rootRouteRef,
  }),
);

/**
 * Fleet page: every entity the backend can trace, with its latest verdict,
 * growth rate and time to OOM, leaks first, filtered by owner.
 * @public
 */
export const MemleakFleetPage = memleakPlugin.provide(
  createRoutableExtension({
    name: 'MemleakFleetPage',
    component: () => import('./components/FleetPage').then(m => m.FleetPage),
    mountPoint: fleetRouteRef,
  }),
);
