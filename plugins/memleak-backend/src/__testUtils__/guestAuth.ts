import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import type {
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';

function oncePerRequest(inner: HttpAuthService): HttpAuthService {
  const seen = new WeakMap<object, Promise<BackstageCredentials>>();
  return {
    credentials: (async (req, options) => {
      // Limited access (cookies) is asked for apart: not cached.
      if (options?.allowLimitedAccess) return inner.credentials(req, options);
      let found = seen.get(req);
      if (!found) {
        found = inner.credentials(req);
        seen.set(req, found);
      }
      const credentials = await found;
      const type = (credentials.principal as { type: string }).type;
      if (options?.allow && !options.allow.includes(type as never)) {
        throw type === 'none'
          ? new AuthenticationError('Missing credentials')
          : new NotAllowedError(
              `This endpoint does not allow '${type}' credentials`,
            );
      }
      return credentials;
    }) as HttpAuthService['credentials'],
    issueUserCookie: (res, options) => inner.issueUserCookie(res, options),
  };
}

/** The httpAuth half of {@link guestAuthServices}: see there. */
export const guestHttpAuthServiceFactory = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) =>
    oncePerRequest(
      mockServices.httpAuth({
        pluginId: plugin.getId(),
        defaultCredentials: mockCredentials.user('user:default/guest'),
      }),
    ),
});

/**
 * Auth for the local backends (`yarn dev`, the benches): a request without a
 * token counts as the guest user, so the portal needs no sign-in backend.
 * Never use these in a production backend.
 *
 * Credentials are read once per request, as the real httpAuth service does:
 * the kubernetes plugin's audit asks again after its proxy has replaced the
 * Authorization header with the cluster's token, which the mock would refuse.
 */
export function guestAuthServices() {
  return [mockServices.auth.factory(), guestHttpAuthServiceFactory];
}
