import type { Request } from 'express';
import {
  mockServices,
  ServiceFactoryTester,
} from '@backstage/backend-test-utils';
import { guestHttpAuthServiceFactory } from './guestAuth';

async function httpAuth() {
  return ServiceFactoryTester.from(guestHttpAuthServiceFactory, {
    dependencies: [mockServices.rootConfig.factory()],
  }).getSubject('kubernetes');
}

const request = (authorization?: string) =>
  ({ headers: authorization ? { authorization } : {} } as Request);

describe('the local backends’ guest httpAuth', () => {
  it('treats a request without a token as the guest user', async () => {
    const auth = await httpAuth();
    const credentials = await auth.credentials(request(), { allow: ['user'] });
    expect(credentials.principal).toMatchObject({
      type: 'user',
      userEntityRef: 'user:default/guest',
    });
  });

  it('reads a request’s credentials once, as the real service does', async () => {
    const auth = await httpAuth();
    const req = request();
    const first = await auth.credentials(req);
    // The kubernetes plugin's proxy puts the cluster's token here, then its
    // audit asks again.
    req.headers.authorization = 'Bearer cluster-service-account-token';
    await expect(auth.credentials(req)).resolves.toBe(first);
    await expect(
      auth.credentials(request(req.headers.authorization)),
    ).rejects.toThrow();
  });

  it('still refuses principals an endpoint does not allow', async () => {
    const auth = await httpAuth();
    await expect(
      auth.credentials(request(), { allow: ['service'] }),
    ).rejects.toThrow("This endpoint does not allow 'user' credentials");
  });
});
