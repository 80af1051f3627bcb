// A traffic plan (test/helpers/traffic-plan.ts, shared with the kind test) made real on the
// dataplane: its namespaces, pods and external hosts (the evaluator reads them back: verdicts.ts).

import { namespace as namespacePath } from '../../src/kube/paths.js';
import { EXISTING_NAMESPACE, type TrafficPlan } from '../helpers/traffic-plan.js';
import { CLUSTER_DNS, type Dataplane, type Host } from './dataplane.js';

const FIELD_MANAGER = 'apptrust-dataplane-test';

export async function applyNamespace(
  dataplane: Dataplane,
  name: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await dataplane.rest.apply(
    namespacePath(name),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
    FIELD_MANAGER,
  );
}

/**
 * Creates the plan's namespaces (with `namespaceLabels`), pods and external hosts. A pod of
 * kube-system is the run's cluster DNS pod, made to serve the plan's ports too.
 */
export async function startPlan(
  dataplane: Dataplane,
  plan: TrafficPlan,
  namespaceLabels: Record<string, string> = {},
): Promise<Record<string, Host>> {
  for (const ns of plan.namespaces) await applyNamespace(dataplane, ns, namespaceLabels);
  const hosts: Record<string, Host> = {};
  await Promise.all([
    ...plan.pods.map(async ({ endpoint, pod, ports }) => {
      if (pod.namespace === EXISTING_NAMESPACE) {
        if (JSON.stringify(pod.labels) !== JSON.stringify(CLUSTER_DNS.labels))
          throw new Error(`${endpoint}: only the cluster DNS pod exists in ${EXISTING_NAMESPACE}`);
        const dns = dataplane.pod(CLUSTER_DNS.namespace, CLUSTER_DNS.name);
        await dataplane.serve(dns, ports);
        hosts[endpoint] = dns;
        return;
      }
      hosts[endpoint] = await dataplane.addPod({
        namespace: pod.namespace,
        name: pod.name,
        labels: pod.labels,
        ports,
      });
    }),
    ...plan.externals.map(async ({ endpoint, ip, ports }) => {
      hosts[endpoint] = await dataplane.addExternal({ name: endpoint, ip, ports });
    }),
  ]);
  return hosts;
}
