import { createBackend } from '@backstage/backend-defaults';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';

// The local portal's backend: the real catalog (reading the repo's
// catalog-info.yaml) and the memleak plugin tracing local processes. Requests
// without a token are treated as a guest user, so the dev frontend needs no
// sign-in backend; never run this file as a production backend.
const backend = createBackend();
backend.add(mockServices.auth.factory());
backend.add(
  mockServices.httpAuth.factory({
    defaultCredentials: mockCredentials.user('user:default/guest'),
  }),
);
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('../src'));
backend.start();
