import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import type { FleetResponse } from '@internal/plugin-memleak-common';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { memleakApiRef } from '../api';

/** Every entity the backend can trace that the user may read. */
export function useFleet() {
  const api = useApi(memleakApiRef);
  return useAsyncRetry<FleetResponse>(() => api.getFleet(), [api]);
}

/** The signed-in user's ownership refs: the user and their groups. */
export function useOwnershipRefs() {
  const identity = useApi(identityApiRef);
  return useAsync(
    async () => (await identity.getBackstageIdentity()).ownershipEntityRefs,
    [identity],
  );
}
