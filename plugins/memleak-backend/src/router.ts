import express from 'express';
import Router from 'express-promise-router';
import type {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  describeZodError,
  entityRefSchema,
  memleakReportReadPermission,
  memleakTraceRunPermission,
  startTraceRequestSchema,
  traceIdSchema,
} from '@internal/plugin-memleak-common';
import type { Entity } from '@backstage/catalog-model';
import { z } from 'zod';
import type { MemleakSettings } from './config';
import { fleetRoute } from './fleet/FleetService';
import type { ReportService } from './report/ReportService';
import type { MemleakStore } from './store/types';
import type { TargetResolver } from './targets/TargetResolver';
import type { TraceRunner } from './trace/TraceRunner';
import { tooShortForVerdict } from './verdict';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  settings: MemleakSettings;
  store: MemleakStore;
  runner: TraceRunner;
  reports: ReportService;
  targets: TargetResolver;
}

function parse<S extends z.ZodTypeAny>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InputError(describeZodError(result.error));
  return result.data;
}

// Query strings are parsed as objects so that messages name the parameter.
const reportQuerySchema = z.object({ entityRef: entityRefSchema });

const listQuerySchema = z.object({
  entityRef: entityRefSchema,
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

/**
 * body-parser's own errors say "\"1\" is not valid JSON" for valid JSON that
 * is not an object, and echo the whole body back; answer with one clear
 * InputError instead.
 */
const jsonBodyErrors: express.ErrorRequestHandler = (
  error,
  _req,
  _res,
  next,
) => {
  if (error?.type === 'entity.parse.failed') {
    next(
      new InputError(`Request body must be a JSON object: ${error.message}`),
    );
    return;
  }
  next(error);
};

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    permissions,
    catalog,
    settings,
    store,
    runner,
    reports,
    targets,
  } = options;
  const router = Router();
  router.use(express.json({ limit: '16kb' }));
  router.use(jsonBodyErrors);

  /** Resolves the entity (404 if the catalog does not know it) and checks a permission on it. */
  async function authorizedEntity(
    req: express.Request,
    rawRef: string,
    permission: ResourcePermission<'catalog-entity'>,
  ): Promise<{
    entityRef: string;
    entity: Entity;
    credentials: BackstageCredentials;
  }> {
    const credentials = await httpAuth.credentials(req);
    const entityRef = rawRef.toLocaleLowerCase('en-US');
    const [decision] = await permissions.authorize(
      [{ permission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed: ${permission.name} on ${entityRef}`,
      );
    }
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity)
      throw new NotFoundError(`No entity ${entityRef} in the catalog`);
    return { entityRef, entity, credentials };
  }

  async function readableTrace(req: express.Request) {
    const id = parse(traceIdSchema, req.params.id);
    const trace = await store.getTrace(id);
    if (!trace) throw new NotFoundError(`No trace ${id}`);
    await authorizedEntity(req, trace.entityRef, memleakReportReadPermission);
    return trace;
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/fleet', fleetRoute(options));

  router.get('/report', async (req, res) => {
    const query = parse(reportQuerySchema, req.query);
    const { entity } = await authorizedEntity(
      req,
      query.entityRef,
      memleakReportReadPermission,
    );
    res.json(await reports.build(entity));
  });

  router.get('/traces', async (req, res) => {
    const query = parse(listQuerySchema, req.query);
    const { entityRef } = await authorizedEntity(
      req,
      query.entityRef,
      memleakReportReadPermission,
    );
    res.json({ items: await store.listTraces(entityRef, query.limit) });
  });

  router.get('/traces/:id', async (req, res) => {
    res.json(await readableTrace(req));
  });

  router.post('/traces', async (req, res) => {
    const body = parse(startTraceRequestSchema, req.body ?? {});
    const { entityRef, entity, credentials } = await authorizedEntity(
      req,
      body.entityRef,
      memleakTraceRunPermission,
    );
    const durationSec = body.durationSec ?? settings.trace.defaultDurationSec;
    if (durationSec > settings.trace.maxDurationSec) {
      throw new InputError(
        `durationSec ${durationSec} exceeds this backend's maximum of ${settings.trace.maxDurationSec} s`,
      );
    }
    const tooShort = tooShortForVerdict(
      durationSec,
      settings.trace.snapshotIntervalSec,
      settings.trace.minAgeSec,
    );
    if (tooShort) throw new InputError(`durationSec ${tooShort}`);
    const kind = targets.forEntity(entity);
    if (!kind) throw new InputError(`${entityRef}: ${targets.whyNone(entity)}`);
    // The server resolves what to trace: only what the entity selects.
    const prepared = await kind.prepare(entity, body.target, durationSec);
    const summaries = await runner.startGroup(
      prepared.map(p => ({
        entityRef,
        durationSec,
        createdBy: (credentials.principal as { userEntityRef?: string })
          .userEntityRef,
        ...p,
      })),
    );
    res.status(201).json(summaries[0]);
  });

  router.post('/traces/:id/stop', async (req, res) => {
    const id = parse(traceIdSchema, req.params.id);
    const trace = await store.getTrace(id);
    if (!trace) throw new NotFoundError(`No trace ${id}`);
    await authorizedEntity(req, trace.entityRef, memleakTraceRunPermission);
    // Asks the runner, not the row read above: the trace may have ended since.
    // Stopping one trace of a group (one per pod) stops the whole group.
    if (runner.runningFor(trace.entityRef)) {
      if (trace.groupId) await runner.stopEntity(trace.entityRef);
      else if (runner.runningFor(trace.entityRef) === id) await runner.stop(id);
    }
    const after = await store.getTrace(id);
    const { snapshots: _s, stacks: _k, notices: _n, ...summary } = after!;
    res.json(summary);
  });

  return router;
}
