import { createRouteRef } from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isMemleakAvailable } from '../isMemleakAvailable';

/** Route of the Memory tab in the new frontend system. @alpha */
export const memleakContentRouteRef = createRouteRef();

/** The Memory tab, on entities that name their workloads. @alpha */
export const memleakEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'memleak',
    title: 'Memory',
    routeRef: memleakContentRouteRef,
    filter: isMemleakAvailable,
    loader: () =>
      import('../components/EntityMemleakContent').then(m => (
        <m.EntityMemleakContent />
      )),
  },
});
