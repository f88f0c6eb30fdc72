import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { memleakPermissions } from '@internal/plugin-memleak-common';
import { readMemleakSettings } from './config';
import { ReportService } from './report/ReportService';
import { createRouter } from './router';
import { DatabaseMemleakStore } from './store/DatabaseMemleakStore';
import { BackstageKubernetes } from './kubernetes/BackstageKubeApi';
import { KubernetesTargets } from './targets/kubernetes/KubernetesTargets';
import { LocalTargets } from './targets/LocalTargets';
import { TargetResolver } from './targets/TargetResolver';
import { TraceRunner } from './trace/TraceRunner';

/**
 * The memleak backend plugin: reports, eBPF heap traces and their verdicts
 * under `/api/memleak`.
 * @public
 */
export const memleakPlugin = createBackendPlugin({
  pluginId: 'memleak',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        lifecycle: coreServices.lifecycle,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        scheduler: coreServices.scheduler,
        catalog: catalogServiceRef,
      },
      async init(deps) {
        const settings = readMemleakSettings(deps.config);
        const store = await DatabaseMemleakStore.create({
          database: deps.database,
        });
        const runner = new TraceRunner({
          store,
          logger: deps.logger,
          settings: settings.trace,
          ownerId: settings.instanceId,
        });
        await runner.recover();
        deps.lifecycle.addShutdownHook(() => runner.shutdown());
        // Ends the traces of replicas that stopped heartbeating; the
        // scheduler's global scope runs it on one replica at a time.
        await deps.scheduler.scheduleTask({
          id: 'memleak-sweep-stale-traces',
          frequency: { seconds: settings.trace.sweepIntervalSec },
          timeout: { seconds: Math.max(60, settings.trace.sweepIntervalSec) },
          fn: async () => {
            await runner.sweep();
          },
        });
        const localTargets = new LocalTargets(settings);
        // Pods are reached through the kubernetes backend plugin's proxy.
        const kubernetesTargets = new KubernetesTargets({
          access: new BackstageKubernetes({
            discovery: deps.discovery,
            auth: deps.auth,
          }),
          settings: settings.kubernetes,
          maxLiveAllocations: settings.trace.maxLiveAllocations,
          topStacks: settings.trace.topStacks,
        });
        const targets = new TargetResolver(localTargets, kubernetesTargets);
        deps.permissionsRegistry.addPermissions(memleakPermissions);
        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            catalog: deps.catalog,
            settings,
            store,
            runner,
            targets,
            reports: new ReportService({ settings, store, targets }),
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
