import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isMemleakAvailable } from '../isMemleakAvailable';

/** Overview card, on entities that name their workloads. @alpha */
export const memleakEntityCard = EntityCardBlueprint.make({
  params: {
    filter: isMemleakAvailable,
    loader: () =>
      import('../components/EntityMemleakCard').then(m => (
        <m.EntityMemleakCard />
      )),
  },
});
