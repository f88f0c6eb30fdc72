import { createPermission } from '@backstage/plugin-permission-common';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';

/** Read an entity's memleak report and its traces. @public */
export const memleakReportReadPermission = createPermission({
  name: 'memleak.report.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Start or stop an eBPF heap trace against an entity's workloads. Tracing
 * attaches probes to production processes, so it is its own permission.
 * @public
 */
export const memleakTraceRunPermission = createPermission({
  name: 'memleak.trace.run',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Every permission of the memleak plugins. @public */
export const memleakPermissions = [
  memleakReportReadPermission,
  memleakTraceRunPermission,
];
