import { createRouteRef } from '@backstage/core-plugin-api';

/** Where the legacy entity tab mounts. @public */
export const rootRouteRef = createRouteRef({ id: 'memleak' });

/** Where the legacy fleet page mounts. @public */
export const fleetRouteRef = createRouteRef({ id: 'memleak-fleet' });
