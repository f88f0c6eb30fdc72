/**
 * Entity annotations read by the memleak plugins.
 *
 * Which pods belong to an entity is decided exactly as the kubernetes plugin
 * decides it (`backstage.io/kubernetes-id` or `backstage.io/kubernetes-label-selector`,
 * optionally `backstage.io/kubernetes-namespace`). The annotations below only say
 * where a service reports on itself; each has a default that fits most services.
 */

/** @public */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';
/** @public */
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION =
  'backstage.io/kubernetes-label-selector';
/** @public */
export const KUBERNETES_NAMESPACE_ANNOTATION =
  'backstage.io/kubernetes-namespace';

/** Port of the service's HTTP health endpoint (default 8080). @public */
export const MEMLEAK_HEALTH_PORT_ANNOTATION = 'memleak.dev/health-port';
/** Path of the health endpoint (default `/health`). @public */
export const MEMLEAK_HEALTH_PATH_ANNOTATION = 'memleak.dev/health-path';
/** Port of the Prometheus exposition (default 9090). @public */
export const MEMLEAK_METRICS_PORT_ANNOTATION = 'memleak.dev/metrics-port';
/** Path of the Prometheus exposition (default `/metrics`). @public */
export const MEMLEAK_METRICS_PATH_ANNOTATION = 'memleak.dev/metrics-path';
/**
 * Name of the gauge in which the service reports its own memory use, in bytes
 * (default `memory_heap_used_bytes`).
 * @public
 */
export const MEMLEAK_MEMORY_METRIC_ANNOTATION = 'memleak.dev/memory-metric';
/** Container to trace when a pod has several (default: the first). @public */
export const MEMLEAK_CONTAINER_ANNOTATION = 'memleak.dev/container';

/** Defaults for the annotations above. @public */
export const MEMLEAK_DEFAULTS = {
  healthPort: 8080,
  healthPath: '/health',
  metricsPort: 9090,
  metricsPath: '/metrics',
  memoryMetric: 'memory_heap_used_bytes',
} as const;

/** Where a service reports on itself, after annotations and defaults. @public */
export interface SelfReportSettings {
  healthPort: number;
  healthPath: string;
  metricsPort: number;
  metricsPath: string;
  memoryMetric: string;
  container?: string;
}

type AnnotatedEntity = { metadata: { annotations?: Record<string, string> } };

function portOr(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : fallback;
}

function pathOr(value: string | undefined, fallback: string): string {
  return value && value.startsWith('/') ? value : fallback;
}

/** Reads an entity's self-report settings, falling back to defaults. @public */
export function readSelfReportSettings(
  entity: AnnotatedEntity,
): SelfReportSettings {
  const a = entity.metadata.annotations ?? {};
  return {
    healthPort: portOr(
      a[MEMLEAK_HEALTH_PORT_ANNOTATION],
      MEMLEAK_DEFAULTS.healthPort,
    ),
    healthPath: pathOr(
      a[MEMLEAK_HEALTH_PATH_ANNOTATION],
      MEMLEAK_DEFAULTS.healthPath,
    ),
    metricsPort: portOr(
      a[MEMLEAK_METRICS_PORT_ANNOTATION],
      MEMLEAK_DEFAULTS.metricsPort,
    ),
    metricsPath: pathOr(
      a[MEMLEAK_METRICS_PATH_ANNOTATION],
      MEMLEAK_DEFAULTS.metricsPath,
    ),
    memoryMetric:
      a[MEMLEAK_MEMORY_METRIC_ANNOTATION]?.trim() ||
      MEMLEAK_DEFAULTS.memoryMetric,
    container: a[MEMLEAK_CONTAINER_ANNOTATION]?.trim() || undefined,
  };
}

/**
 * True when the entity says which workloads are its own, the same test the
 * kubernetes plugin uses for its tab.
 * @public
 */
export function hasWorkloadAnnotations(entity: AnnotatedEntity): boolean {
  const a = entity.metadata.annotations ?? {};
  return Boolean(
    a[KUBERNETES_ID_ANNOTATION] || a[KUBERNETES_LABEL_SELECTOR_ANNOTATION],
  );
}
