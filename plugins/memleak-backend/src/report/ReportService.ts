import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { MemleakReport } from '@internal/plugin-memleak-common';
import type { MemleakSettings } from '../config';
import { minTraceSec } from '../verdict';
import type { MemleakStore } from '../store/types';
import type { TargetResolver } from '../targets/TargetResolver';
import { findDisagreement } from './disagreement';

/**
 * Builds an entity's report: what the service says (health, readiness, its
 * own memory metric) next to what the kernel sees (memory now, and the
 * latest eBPF trace), for whatever the entity runs as.
 */
export class ReportService {
  constructor(
    private readonly deps: {
      settings: MemleakSettings;
      store: MemleakStore;
      targets: TargetResolver;
    },
  ) {}

  async build(entity: Entity): Promise<MemleakReport> {
    const { settings, store, targets } = this.deps;
    const entityRef = stringifyEntityRef(entity);
    const kind = targets.forEntity(entity);
    // The clusters' answers take longest: asked for beside the store's.
    const [{ latestTrace, latestGroup }, part] = await Promise.all([
      store.latestTrace(entityRef).then(async latest => ({
        latestTrace: latest,
        latestGroup: latest?.groupId
          ? await store.listGroup(latest.groupId)
          : undefined,
      })),
      kind?.report(entity),
    ]);
    const durations = {
      defaultDurationSec: settings.trace.defaultDurationSec,
      maxDurationSec: settings.trace.maxDurationSec,
      minDurationSec: minTraceSec(
        settings.trace.snapshotIntervalSec,
        settings.trace.minAgeSec,
      ),
    };
    const generatedAt = new Date().toISOString();
    if (!part) {
      return {
        entityRef,
        generatedAt,
        mode: 'kubernetes',
        reported: [],
        kernel: [],
        capability: {
          available: false,
          reason: targets.whyNone(entity),
          ...durations,
        },
        latestTrace,
        latestGroup,
        notices: [],
      };
    }
    return {
      entityRef,
      generatedAt,
      mode: part.mode,
      reported: part.reported,
      kernel: part.kernel,
      pods: part.pods,
      capability: { ...part.capability, ...durations },
      latestTrace,
      latestGroup,
      disagreement: findDisagreement(part.reported, latestTrace),
      notices: part.notices.map(n => ({ ...n, at: generatedAt })),
    };
  }
}
