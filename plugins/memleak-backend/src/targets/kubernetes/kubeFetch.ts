import type { KubeApi } from '../../kubernetes/KubeApi';
import { Fetch, SELF_REPORT_TIMEOUT_MS } from '../../report/selfReport';

/**
 * A fetch for API server paths (`pods/proxy`), so that the self-report checks
 * read a pod's endpoints exactly as they read local URLs. When the API server
 * itself answers instead of the pod (no route to it, RBAC), that is an
 * unreachable endpoint with the server's reason, not the service's answer.
 */
export function kubeFetch(api: KubeApi): Fetch {
  // The probe's own deadline, enforced by the API request.
  return async path => {
    const res = await api.request(path, { timeoutMs: SELF_REPORT_TIMEOUT_MS });
    const text = await res.text();
    if (res.status >= 400) {
      const status = apiServerStatus(text);
      if (status)
        throw new Error(`${status} (HTTP ${res.status} from the API server)`);
    }
    return new Response(text, { status: res.status });
  };
}

/** The message of a Kubernetes `Status` body, if the body is one. */
function apiServerStatus(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body);
    return parsed?.kind === 'Status' ? String(parsed.message) : undefined;
  } catch {
    return undefined;
  }
}
