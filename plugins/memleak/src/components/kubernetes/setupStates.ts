import {
  KUBERNETES_ID_ANNOTATION,
  type MemleakReport,
  type Notice,
  type NoticeCode,
  type TraceDetail,
} from '@internal/plugin-memleak-common';

/** A command to copy, and what it is for. */
export interface SetupCommand {
  label: string;
  command: string;
}

/** Something a user must set up before memleak can show everything, and how. */
export interface SetupState {
  code: NoticeCode | 'annotations_missing';
  severity: 'error' | 'warning' | 'info';
  title: string;
  /** What to do. */
  todo: string;
  commands: SetupCommand[];
  /** The backend's own words, when the state comes from a notice. */
  detail?: string;
}

const SETUP_CODES: ReadonlySet<NoticeCode> = new Set<NoticeCode>([
  'cluster_unreachable',
  'rbac_denied',
  'gadget_missing',
  'gadget_not_allowed',
  'gadget_version_skew',
  'metrics_unavailable',
]);

/** Notices that are setup to fix, shown as setup help rather than as plain alerts. */
export const isSetupNotice = (n: Notice) => SETUP_CODES.has(n.code);

const RBAC_APPLY: SetupCommand = {
  label: 'Grant what memleak needs (this repository’s manifests)',
  command: 'kubectl apply -k manifests/backstage-rbac',
};

function rbacState(n: Notice): SetupState {
  // The API server's own words: `User "…" cannot VERB resource "RES" … in the namespace "NS"`.
  const m =
    /User "([^"]+)" cannot (\S+) resource "([^"]+)"(?: in API group "[^"]*")?(?: in the namespace "([^"]+)")?/.exec(
      n.message,
    );
  const cluster = /on cluster (\S+?):/.exec(n.message)?.[1];
  if (!m) {
    return {
      code: n.code,
      severity: 'error',
      title: `Kubernetes refused a request${
        cluster ? ` in cluster ${cluster}` : ''
      }`,
      todo: 'Give the Backstage backend’s cluster credentials what memleak needs.',
      commands: [RBAC_APPLY],
      detail: n.message,
    };
  }
  const [, user, verb, resource, namespace] = m;
  const ns = namespace ? ` -n ${namespace}` : '';
  return {
    code: n.code,
    severity: 'error',
    title: `Kubernetes refused: ${verb} ${resource}${
      namespace ? ` in namespace ${namespace}` : ''
    }${cluster ? `, cluster ${cluster}` : ''}`,
    todo: `Allow ${user} to ${verb} ${resource}${
      namespace ? ` in ${namespace}` : ''
    }, then check it.`,
    commands: [
      RBAC_APPLY,
      {
        label: 'Check',
        command: `kubectl auth can-i ${verb} ${resource}${ns} --as=${user}`,
      },
    ],
    detail: n.message,
  };
}

function gadgetMissingState(n: Notice): SetupState {
  const m =
    /on node (\S+) of cluster (\S+) \(no Running pod labelled (\S+) in namespace (\S+)\)/.exec(
      n.message,
    );
  const [, node, cluster, label, namespace] = m ?? [];
  const check =
    m &&
    `kubectl get pods -n ${namespace} -l ${label} -o wide --field-selector spec.nodeName=${node}`;
  return {
    code: n.code,
    severity: 'error',
    title: m
      ? `Inspektor Gadget is not running on node ${node} (cluster ${cluster})`
      : 'Inspektor Gadget is not running on the pod’s node',
    todo: 'Install Inspektor Gadget, at the release memleak.kubernetes.gadget.version names, on every node; pods on other nodes can still be traced.',
    commands: [
      { label: 'Install', command: 'kubectl gadget deploy' },
      ...(check ? [{ label: 'Check the node', command: check }] : []),
    ],
    detail: n.message,
  };
}

function versionSkewState(n: Notice): SetupState {
  const m =
    /on the node is (\S+); the gadget image (\S+) is built for (\S+?)\.(?:\s|$)/.exec(
      n.message,
    );
  const [, actual, image, expected] = m ?? [];
  return {
    code: n.code,
    severity: 'warning',
    title: m
      ? `Inspektor Gadget ${actual} on the node; memleak’s gadget is built for ${expected}`
      : 'Inspektor Gadget on the node is another release than the gadget image',
    todo: m
      ? `Install Inspektor Gadget ${expected}, or trace with the image of the node’s release (app-config.yaml below). Traces still run; decoding may break.`
      : 'Install the release the gadget image is built for, or set memleak.kubernetes.gadget.image and version to the node’s.',
    commands: m
      ? [
          { label: 'Compare the releases', command: 'kubectl gadget version' },
          {
            label: 'Or, in app-config.yaml',
            command: [
              'memleak:',
              '  kubernetes:',
              '    gadget:',
              `      image: ${image.replace(/:[^:/]+$/, `:${actual}`)}`,
              `      version: ${actual}`,
            ].join('\n'),
          },
        ]
      : [{ label: 'Compare the releases', command: 'kubectl gadget version' }],
    detail: n.message,
  };
}

function clusterState(n: Notice): SetupState {
  const cluster =
    /Check that cluster (\S+) is up/.exec(n.message)?.[1] ??
    /names cluster (\S+?),/.exec(n.message)?.[1];
  return {
    code: n.code,
    severity: 'error',
    title: cluster
      ? `Cluster ${cluster} did not answer`
      : 'A cluster did not answer',
    todo: 'Its pods are missing here; the other clusters’ are shown. Check the cluster, and its entry in the Kubernetes plugin’s config.',
    commands: cluster
      ? [
          {
            label: 'Check (with a kubeconfig context of that name)',
            command: `kubectl --context ${cluster} get --raw /readyz`,
          },
        ]
      : [],
    detail: n.message,
  };
}

/** The setup help for setup notices; others get `undefined`. */
export function setupState(n: Notice): SetupState | undefined {
  switch (n.code) {
    case 'rbac_denied':
      return rbacState(n);
    case 'gadget_missing':
      return gadgetMissingState(n);
    case 'gadget_version_skew':
      return versionSkewState(n);
    case 'cluster_unreachable':
      return clusterState(n);
    case 'gadget_not_allowed':
      return {
        code: n.code,
        severity: 'error',
        title: 'Inspektor Gadget refuses to run memleak’s gadget',
        todo: 'Allow the trace_malloc image in the gadget daemon’s operator.oci.allowed-gadgets, or deploy Inspektor Gadget with its defaults.',
        commands: [
          {
            label: 'See the daemon’s configuration',
            command: 'kubectl get configmap -n gadget -o yaml',
          },
        ],
        detail: n.message,
      };
    case 'metrics_unavailable':
      return {
        code: n.code,
        severity: 'info',
        title: 'Working set unavailable: the cluster serves no metrics.k8s.io',
        todo: 'Everything else works: health, metrics, traces. Install metrics-server to see each container’s working set and its time to OOM.',
        commands: [
          {
            label: 'Check',
            command: 'kubectl get apiservice v1beta1.metrics.k8s.io',
          },
        ],
        // No detail: the backend's words would only say the above again.
      };
    default:
      return undefined;
  }
}

/** Setup help for the notices given, once per distinct message. */
export function setupStates(notices: Notice[]): SetupState[] {
  const seen = new Set<string>();
  return notices.flatMap(n => {
    const key = `${n.code} ${n.message}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const state = setupState(n);
    return state ? [state] : [];
  });
}

/** Setup help from a report's notices and those of its latest traces. */
export const reportSetupStates = (
  report: MemleakReport,
  details: TraceDetail[],
) => setupStates([...report.notices, ...details.flatMap(d => d.notices)]);

/** An entity the plugin cannot place: the annotation to add, ready to paste. */
export function annotationsMissingState(entityName: string): SetupState {
  return {
    code: 'annotations_missing',
    severity: 'info',
    title: 'Say which pods run this entity',
    todo: `Add the Kubernetes plugin’s ${KUBERNETES_ID_ANNOTATION} annotation to its catalog-info.yaml and the same label to its pods (or use backstage.io/kubernetes-label-selector).`,
    commands: [
      {
        label: 'In catalog-info.yaml',
        command: [
          'metadata:',
          '  annotations:',
          `    ${KUBERNETES_ID_ANNOTATION}: ${entityName}`,
        ].join('\n'),
      },
      {
        label: 'Check that pods carry the label',
        command: `kubectl get pods -A -l ${KUBERNETES_ID_ANNOTATION}=${entityName}`,
      },
    ],
  };
}
