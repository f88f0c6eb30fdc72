import type {
  FleetResponse,
  MemleakReport,
  TraceDetail,
  TraceSummary,
} from '@internal/plugin-memleak-common';
import everyReplica from '../__fixtures__/everyReplica.json';
import fleet from '../__fixtures__/fleet.json';
import oneReplica from '../__fixtures__/oneReplica.json';
import running from '../__fixtures__/running.json';
import setup from '../__fixtures__/setup.json';
import versionSkew from '../__fixtures__/versionSkew.json';

/**
 * Payloads the backend produced (scripts/ui-fixtures.ts: the real report
 * service, targets, trace runner and fleet against fake clusters); rerun it
 * after changing what the backend answers. JSON literals do not narrow to the
 * API's unions, hence the casts.
 */
export interface KubernetesFixture {
  /** `GET /report` */
  report: MemleakReport;
  /** `GET /traces/:id` of every trace in the report's latest group */
  traces: TraceDetail[];
  /** `GET /traces` */
  history: TraceSummary[];
}

const kubernetes = (json: unknown) => json as KubernetesFixture;

export const FIXTURES = {
  /** leaker-c: three pods on dev, all leaking 1 MiB / 8 s; pod b was OOMKilled 7 min before. */
  everyReplica: kubernetes(everyReplica),
  /** checkout: three pods, only pod a leaks. */
  oneReplica: kubernetes(oneReplica),
  /** cart: two pods mid-trace; pod b's ledger overflows and loses events. */
  running: kubernetes(running),
  /**
   * payments in three clusters: dev without metrics.k8s.io, its gadget pod
   * refusing port-forwards (node-a) or missing (node-b); prod unreachable;
   * staging refusing to list pods.
   */
  setup: kubernetes(setup),
  /** search: one pod whose node runs Inspektor Gadget v0.54.0. */
  versionSkew: kubernetes(versionSkew),
};

/** `GET /fleet` over the entities above, plus inventory (never traced). */
export const FLEET = fleet as unknown as FleetResponse;
