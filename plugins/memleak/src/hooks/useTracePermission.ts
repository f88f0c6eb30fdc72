import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { memleakTraceRunPermission } from '@internal/plugin-memleak-common';
import { usePermission } from '@backstage/plugin-permission-react';

/** Whether the signed-in user may start and stop traces on this entity. */
export function useTracePermission(entity: Entity) {
  return usePermission({
    permission: memleakTraceRunPermission,
    resourceRef: stringifyEntityRef(entity),
  });
}
