import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { memleakApi } from './apis';
import { memleakEntityCard } from './entityCards';
import { memleakContentRouteRef, memleakEntityContent } from './entityContents';
import { memleakFleetPage, memleakFleetRouteRef } from './pages';

/**
 * The memleak plugin for the new frontend system: the API, the Overview card,
 * the Memory tab and the fleet page.
 * @alpha
 */
export const memleakPlugin = createFrontendPlugin({
  pluginId: 'memleak',
  title: 'Memory',
  info: { packageJson: () => import('../../package.json') },
  routes: {
    entityContent: memleakContentRouteRef,
    fleet: memleakFleetRouteRef,
  },
  extensions: [
    memleakApi,
    memleakEntityCard,
    memleakEntityContent,
    memleakFleetPage,
  ],
});
