export interface Config {
  /** Settings of the memleak backend plugin. */
  memleak?: {
    /** Limits and defaults of eBPF heap traces. */
    trace?: {
      /** Duration used when a request names none, in seconds. Default 120. */
      defaultDurationSec?: number;
      /** Longest trace a request may ask for, in seconds (at most 3600). Default 900. */
      maxDurationSec?: number;
      /** Traces running at once across all entities. Default 2. */
      maxConcurrent?: number;
      /** Seconds between heap snapshots. Default 2. */
      snapshotIntervalSec?: number;
      /** Allocations younger than this do not count toward growth (in-flight request buffers). Default 10. */
      minAgeSec?: number;
      /** Live allocations a trace keeps before it reports an overflow. Default 1000000. */
      maxLiveAllocations?: number;
      /** Stacks kept per snapshot and shown to users. Default 20. */
      topStacks?: number;
      /** Seconds between the heartbeats a replica writes for the traces it runs. Default 10. */
      heartbeatIntervalSec?: number;
      /**
       * A running trace whose heartbeat is older than this many seconds belongs to a replica that is
       * gone and is ended as interrupted. At least twice heartbeatIntervalSec; use the same value on
       * every replica. Default 30 (three missed heartbeats).
       */
      staleAfterSec?: number;
      /** Seconds between sweeps for such traces (one replica sweeps at a time). Default 30. */
      sweepIntervalSec?: number;
    };
    /**
     * Names this backend replica as the owner of the traces it runs, when several replicas share
     * one database. Must stay the same across the replica's restarts and differ between replicas.
     * Default: the host name and the port of backend.listen, e.g. `backstage-7d9c-xk2p:7007`.
     */
    instanceId?: string;
    /**
     * Processes on the backend's own host, for the local portal and single-host setups.
     * An entity listed here is traced locally instead of through Kubernetes.
     */
    localTargets?: Array<{
      /** Catalog entity ref, e.g. component:default/leaker-c. */
      entityRef: string;
      /** Name shown for this target. */
      name: string;
      /** File holding the process id (relative to the working directory or absolute). */
      pidFile?: string;
      /** Process name (as in /proc/PID/comm) used when there is no pid file. */
      processName?: string;
      /** The service's health endpoint. */
      healthUrl?: string;
      /** The service's readiness endpoint. */
      readyUrl?: string;
      /** The service's Prometheus exposition. */
      metricsUrl?: string;
      /** Gauge holding the service's self-reported memory in bytes. */
      memoryMetric?: string;
    }>;
    /**
     * Tracing pods through Inspektor Gadget. Clusters and their credentials
     * are the kubernetes backend plugin's (`kubernetes.clusterLocatorMethods`).
     */
    kubernetes?: {
      /** Where Inspektor Gadget runs and which gadget to run. */
      gadget?: {
        /** Namespace of the gadget pods. Default `gadget`. */
        namespace?: string;
        /** Label selector of the gadget pods. Default `k8s-app=gadget`. */
        labelSelector?: string;
        /** Port of the gadget service inside the pod. Default 8080. */
        port?: number;
        /** Gadget image. Default `trace_malloc:<version>` (resolved by Inspektor Gadget). */
        image?: string;
        /** Inspektor Gadget release of the image; nodes running another one get a notice. Default v0.55.0. */
        version?: string;
      };
      /** Per-cluster settings, by the kubernetes plugin's cluster name. */
      clusters?: Array<{
        name: string;
        /**
         * Extra gadget params for every trace in this cluster, e.g.
         * `{ name: operator.oci.ebpf.uid, value: '1000' }`. Values may name
         * the traced pod: `{pod.name}`, `{pod.namespace}`, `{pod.node}`,
         * `{container}`, `{pod.annotations.KEY}`, `{pod.labels.KEY}`.
         */
        gadgetParams?: Array<{ name: string; value: string }>;
      }>;
    };
    /** Path of the local tracer binary; default: the one built in this package's tracer/build. */
    tracerPath?: string;
  };
}
