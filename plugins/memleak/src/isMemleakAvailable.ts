import type { Entity } from '@backstage/catalog-model';
import { hasWorkloadAnnotations } from '@internal/plugin-memleak-common';

/**
 * True when the entity names its workloads the way the kubernetes plugin
 * reads them (`backstage.io/kubernetes-id` or
 * `backstage.io/kubernetes-label-selector`); use it as the `if` of the card
 * and the tab.
 * @public
 */
export function isMemleakAvailable(entity: Entity): boolean {
  return hasWorkloadAnnotations(entity);
}
