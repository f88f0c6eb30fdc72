import type { Entity } from '@backstage/catalog-model';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  permissionApiRef,
  type PermissionApi,
} from '@backstage/plugin-permission-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { useMemo, type ReactNode } from 'react';
import { MemleakClient, memleakApiRef } from '../api';
import { anEntity } from './fixtures';

export const BACKEND = 'http://localhost:7007';

type Decision = Awaited<ReturnType<PermissionApi['authorize']>>;

/** A permission API that answers every request the same way and records them. */
export function permissionAnswering(result: 'ALLOW' | 'DENY') {
  const requests: Parameters<PermissionApi['authorize']>[0][] = [];
  const api: PermissionApi = {
    authorize: async request => {
      requests.push(request);
      return { result } as Decision;
    },
  };
  return { api, requests };
}

/** The real client over the test app's fetch API, so msw sees real requests. */
export const WithRealClient = (props: { children: ReactNode }) => {
  const fetchApi = useApi(fetchApiRef);
  const { discoveryApi, client } = useMemo(() => {
    const discovery = mockApis.discovery({ baseUrl: BACKEND });
    return {
      discoveryApi: discovery,
      client: new MemleakClient({ discoveryApi: discovery, fetchApi }),
    };
  }, [fetchApi]);
  return (
    <TestApiProvider
      apis={[
        [discoveryApiRef, discoveryApi],
        [memleakApiRef, client],
      ]}
    >
      {props.children}
    </TestApiProvider>
  );
};

export async function renderWithEntity(
  ui: ReactNode,
  options: { entity?: Entity; permissionApi?: PermissionApi } = {},
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [
          permissionApiRef,
          options.permissionApi ?? permissionAnswering('ALLOW').api,
        ],
      ]}
    >
      <WithRealClient>
        <EntityProvider entity={options.entity ?? anEntity()}>
          {ui}
        </EntityProvider>
      </WithRealClient>
    </TestApiProvider>,
  );
}
