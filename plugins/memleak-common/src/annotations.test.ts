import {
  hasWorkloadAnnotations,
  MEMLEAK_DEFAULTS,
  readSelfReportSettings,
} from './annotations';

const entity = (annotations: Record<string, string>) => ({
  metadata: { annotations },
});

describe('annotations', () => {
  it('falls back to defaults', () => {
    expect(readSelfReportSettings({ metadata: {} })).toEqual({
      ...MEMLEAK_DEFAULTS,
      container: undefined,
    });
  });

  it('reads overrides and ignores invalid ports and paths', () => {
    const s = readSelfReportSettings(
      entity({
        'memleak.dev/health-port': '8081',
        'memleak.dev/metrics-port': '99999',
        'memleak.dev/health-path': 'healthz',
        'memleak.dev/metrics-path': '/stats',
        'memleak.dev/memory-metric': ' app_heap_bytes ',
        'memleak.dev/container': 'app',
      }),
    );
    expect(s).toMatchObject({
      healthPort: 8081,
      metricsPort: 9090,
      healthPath: '/health',
      metricsPath: '/stats',
      memoryMetric: 'app_heap_bytes',
      container: 'app',
    });
  });

  it('knows which entities name their workloads, as the kubernetes plugin does', () => {
    expect(
      hasWorkloadAnnotations(entity({ 'backstage.io/kubernetes-id': 'x' })),
    ).toBe(true);
    expect(
      hasWorkloadAnnotations(
        entity({ 'backstage.io/kubernetes-label-selector': 'app=x' }),
      ),
    ).toBe(true);
    expect(
      hasWorkloadAnnotations(
        entity({ 'backstage.io/kubernetes-namespace': 'ns' }),
      ),
    ).toBe(false);
    expect(hasWorkloadAnnotations({ metadata: {} })).toBe(false);
  });
});
