import type { Entity } from '@backstage/catalog-model';
import { KubernetesTargets } from './kubernetes/KubernetesTargets';
import type { LocalTargets } from './LocalTargets';
import type { EntityTargets } from './types';

/**
 * Which kind of targets an entity has: processes of this host when
 * `memleak.localTargets` lists it (the local portal, single-host setups),
 * else pods when it carries the kubernetes plugin's annotations.
 */
export class TargetResolver {
  constructor(
    private readonly local: LocalTargets,
    private readonly kubernetes?: KubernetesTargets,
  ) {}

  forEntity(entity: Entity): EntityTargets | undefined {
    if (this.local.appliesTo(entity)) return this.local;
    if (this.kubernetes && KubernetesTargets.appliesTo(entity)) {
      return this.kubernetes;
    }
    return undefined;
  }

  /** Why an entity has no targets, and what to do. */
  whyNone(entity: Entity): string {
    if (KubernetesTargets.appliesTo(entity)) {
      return 'The entity has Kubernetes annotations, but this backend has no access to clusters: install @backstage/plugin-kubernetes-backend and configure kubernetes.clusterLocatorMethods.';
    }
    return "Add a backstage.io/kubernetes-id (or backstage.io/kubernetes-label-selector) annotation so the entity's pods can be found, or list it in memleak.localTargets (a process on the backend host).";
  }
}
