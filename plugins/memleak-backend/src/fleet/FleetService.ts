import type {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import {
  type Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  type FleetEntity,
  type FleetOom,
  type FleetResponse,
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  memleakReportReadPermission,
  podOomOutlook,
  replicaVerdict,
  type TraceSummary,
} from '@internal/plugin-memleak-common';
import type { RequestHandler } from 'express';
import type { MemleakSettings } from '../config';
import type { MemleakStore } from '../store/types';
import type { EntityTargets } from '../targets/types';
import type { TargetResolver } from '../targets/TargetResolver';

/** How long the fleet page waits for one entity's pods before leaving its time to OOM out. */
const OOM_LOOKUP_MS = 5_000;

const FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'metadata.annotations',
  'spec.owner',
  'relations',
];

/**
 * The fleet page's data: every catalog entity this backend can trace that
 * the caller may read, with its latest trace (summed up over its pods) and,
 * where memory grows toward a limit, the soonest time to OOM.
 */
export class FleetService {
  constructor(
    private readonly deps: {
      catalog: CatalogService;
      permissions: PermissionsService;
      store: MemleakStore;
      targets: TargetResolver;
      settings: MemleakSettings;
    },
  ) {}

  async list(credentials: BackstageCredentials): Promise<FleetResponse> {
    const candidates = await this.candidates(credentials);
    const traceable = candidates.flatMap(entity => {
      const kind = this.deps.targets.forEntity(entity);
      return kind ? [{ entity, kind, ref: stringifyEntityRef(entity) }] : [];
    });
    if (traceable.length === 0) return { items: [] };
    const decisions = await this.deps.permissions.authorize(
      traceable.map(t => ({
        permission: memleakReportReadPermission,
        resourceRef: t.ref,
      })),
      { credentials },
    );
    const readable = traceable.filter(
      (_, i) => decisions[i].result === AuthorizeResult.ALLOW,
    );
    return {
      items: await Promise.all(
        readable.map(t => this.describe(t.entity, t.ref, t.kind)),
      ),
    };
  }

  /** Entities with the kubernetes plugin's annotations, and those in `memleak.localTargets`. */
  private async candidates(
    credentials: BackstageCredentials,
  ): Promise<Entity[]> {
    const { catalog, settings } = this.deps;
    const localRefs = [...new Set(settings.localTargets.map(t => t.entityRef))];
    const [annotated, local] = await Promise.all([
      catalog.getEntities(
        {
          filter: [
            {
              [`metadata.annotations.${KUBERNETES_ID_ANNOTATION}`]:
                CATALOG_FILTER_EXISTS,
            },
            {
              [`metadata.annotations.${KUBERNETES_LABEL_SELECTOR_ANNOTATION}`]:
                CATALOG_FILTER_EXISTS,
            },
          ],
          fields: FIELDS,
        },
        { credentials },
      ),
      localRefs.length
        ? catalog.getEntitiesByRefs(
            { entityRefs: localRefs, fields: FIELDS },
            { credentials },
          )
        : { items: [] },
    ]);
    const byRef = new Map<string, Entity>();
    for (const e of [...annotated.items, ...local.items]) {
      if (e) byRef.set(stringifyEntityRef(e), e);
    }
    return [...byRef.values()];
  }

  private async describe(
    entity: Entity,
    entityRef: string,
    kind: EntityTargets,
  ): Promise<FleetEntity> {
    const { store } = this.deps;
    const item: FleetEntity = {
      entityRef,
      title: entity.metadata.title ?? entity.metadata.name,
      ownerRef: ownerOf(entity),
      mode: kind.mode,
    };
    const [latest] = await store.listTraces(entityRef, 1);
    if (!latest) return item;
    const group = latest.groupId
      ? await store.listGroup(latest.groupId)
      : [latest];
    const summary = replicaVerdict(group);
    item.latest = {
      traceId: latest.id,
      startedAt: latest.startedAt,
      status: latest.status,
      verdict: summary.verdict,
      growthBytesPerSec: summary.growthBytesPerSec,
      traced: summary.traced,
      growing: summary.growing.length,
    };
    if (kind.mode === 'kubernetes' && summary.growing.length > 0) {
      item.oom = await this.soonestOom(entity, kind, group);
    }
    return item;
  }

  /**
   * Only growing entities pay for a look at their pods' limits and working
   * sets — not at what the pods say of themselves — and a cluster slow to
   * answer leaves the time to OOM out rather than holding up the page.
   */
  private async soonestOom(
    entity: Entity,
    kind: EntityTargets,
    group: TraceSummary[],
  ): Promise<FleetOom | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const report = await Promise.race([
      kind.report(entity, { selfReport: false }),
      new Promise<undefined>(resolve => {
        timer = setTimeout(() => resolve(undefined), OOM_LOOKUP_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!report) return undefined;
    let soonest: FleetOom | undefined;
    for (const trace of group) {
      const pod = report.pods?.find(
        p =>
          p.name === trace.target.pod &&
          p.namespace === trace.target.namespace &&
          p.cluster === trace.target.cluster,
      );
      if (!pod) continue;
      const detail = await this.deps.store.getTrace(trace.id);
      const outlook = podOomOutlook(
        pod,
        detail,
        report.kernel.find(k => k.name === pod.name),
      );
      if (
        outlook.kind === 'hits-limit' &&
        (!soonest || outlook.sec < soonest.sec)
      ) {
        soonest = {
          pod: trace.target.label,
          limitBytes: outlook.limitBytes,
          sec: outlook.sec,
          soonestSec: outlook.soonestSec,
          latestSec: outlook.latestSec,
        };
      }
    }
    return soonest;
  }
}

/** The owner as the catalog relates it, else `spec.owner` read as the catalog would. */
function ownerOf(entity: Entity): string | undefined {
  const related = entity.relations?.find(r => r.type === RELATION_OWNED_BY);
  if (related) return related.targetRef;
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || !owner) return undefined;
  return stringifyEntityRef(
    parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: entity.metadata.namespace ?? 'default',
    }),
  );
}

/** `GET /fleet`. */
export function fleetRoute(options: {
  httpAuth: HttpAuthService;
  catalog: CatalogService;
  permissions: PermissionsService;
  store: MemleakStore;
  targets: TargetResolver;
  settings: MemleakSettings;
}): RequestHandler {
  const fleet = new FleetService(options);
  return async (req, res) => {
    res.json(await fleet.list(await options.httpAuth.credentials(req)));
  };
}
