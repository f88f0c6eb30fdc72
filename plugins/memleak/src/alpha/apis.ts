import {
  ApiBlueprint,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { memleakApiRef, MemleakClient } from '../api';

/** The memleak client, over the app's discovery and fetch APIs. @alpha */
export const memleakApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: memleakApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MemleakClient({ discoveryApi, fetchApi }),
    }),
});
