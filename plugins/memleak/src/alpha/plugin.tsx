import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { memleakApi } from './apis';
import { memleakEntityCard } from './entityCards';
import { memleakContentRouteRef, memleakEntityContent } from './entityContents';

/**
 * The memleak plugin for the new frontend system: the API, the Overview card
 * and the Memory tab.
 * @alpha
 */
export const memleakPlugin = createFrontendPlugin({
  pluginId: 'memleak',
  title: 'Memory',
  info: { packageJson: () => import('../../package.json') },
  routes: { entityContent: memleakContentRouteRef },
  extensions: [memleakApi, memleakEntityCard, memleakEntityContent],
});
