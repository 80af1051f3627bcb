// Pods as the Audit analysis needs them, and nothing more: labels, IPs, declared container ports,
// the controlling owner (to group replicas). A pod is mostly spec the operator never reads.
import { type KubeObject, pickMeta } from './objects.js';

export interface ContainerPortSpec {
  containerPort: number;
  protocol?: string;
  name?: string;
}

export interface SlimPod extends KubeObject {
  spec?: { containers?: Array<{ ports?: ContainerPortSpec[] }> };
  status?: { phase?: string; podIP?: string; podIPs?: Array<{ ip: string }> };
}

export function slimPod(pod: SlimPod): SlimPod {
  const m = pod.metadata;
  const controller = m.ownerReferences?.find((r) => r.controller === true);
  const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  return {
    metadata: {
      ...pickMeta(m, ['namespace', 'uid', 'resourceVersion', 'labels', 'deletionTimestamp']),
      ...(controller
        ? {
            ownerReferences: [
              {
                apiVersion: controller.apiVersion,
                kind: controller.kind,
                name: controller.name,
                uid: controller.uid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      containers: [
        {
          ports: ports.map((p) => ({
            containerPort: p.containerPort,
            ...(p.protocol ? { protocol: p.protocol } : {}),
            ...(p.name ? { name: p.name } : {}),
          })),
        },
      ],
    },
    status: {
      ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
      ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
      ...(pod.status?.podIPs ? { podIPs: pod.status.podIPs.map((p) => ({ ip: p.ip })) } : {}),
    },
  };
}
