import { createBackend } from '@backstage/backend-defaults';
import { guestAuthServices } from '../src/__testUtils__/guestAuth';

// The local portal's backend: the real catalog (reading the repo's
// catalog-info.yaml), TechDocs (built locally with mkdocs from the venv that
// scripts/setup.sh makes) and the memleak plugin tracing local processes.
// Requests without a token are treated as a guest user, so the dev frontend
// needs no sign-in backend; never run this file as a production backend.
//
// `yarn dev --cluster` (scripts/dev.sh) sets MEMLEAK_DEV_CLUSTER and passes a
// config for the test bed: then the real kubernetes backend plugin runs here
// too, and memleak traces the entity's pods through it.
const backend = createBackend();
for (const service of guestAuthServices()) backend.add(service);
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-techdocs-backend'));
if (process.env.MEMLEAK_DEV_CLUSTER) {
  backend.add(import('@backstage/plugin-kubernetes-backend'));
}
backend.add(import('../src'));
backend.start();
