// What the operator keeps of a Service: what `{service: NAME}` endpoints render from (type,
// selector, ports with their targetPorts), nothing else (no status, no cluster IPs, no annotations).
import type { ServiceObject } from '../compiler/index.js';
import { type KubeObject, pickMeta } from './objects.js';

export interface SlimService extends KubeObject, ServiceObject {
  metadata: KubeObject['metadata'] & ServiceObject['metadata'];
}

export function slimService(service: SlimService): SlimService {
  const spec = service.spec ?? {};
  return {
    metadata: pickMeta(service.metadata, ['namespace', 'uid', 'resourceVersion']),
    spec: {
      ...(spec.type !== undefined ? { type: spec.type } : {}),
      ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
      ...(spec.ports !== undefined
        ? {
            ports: spec.ports.map((p) => ({
              ...(p.name !== undefined ? { name: p.name } : {}),
              port: p.port,
              ...(p.protocol !== undefined ? { protocol: p.protocol } : {}),
              ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
            })),
          }
        : {}),
    },
  };
}
