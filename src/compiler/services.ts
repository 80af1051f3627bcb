// `{service: NAME, namespace?: NS}` endpoints: the pods behind a Service, read from the Service
// object as data (the operator's informer, the CLI's -f inputs). Pure: the peer is the Service's
// selector, flow ports name Service ports and render as their targetPort. A Service that selects
// no pods by label (no selector, ExternalName) is refused: an empty podSelector would mean all pods.
import type { Endpoint, LabelSelector, Port } from '../api/v1alpha1/index.js';
import type { PolicyPeer, PolicyPort, Protocol } from './networkpolicy.js';
import { canonicalSelector } from './selectors.js';

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The fields of a core/v1 Service the compiler reads (wire shape). */
export interface ServiceObject {
  metadata: { name: string; namespace?: string };
  spec?: {
    type?: string;
    selector?: Record<string, string>;
    ports?: Array<{ name?: string; port: number; protocol?: string; targetPort?: number | string }>;
  };
}

/** "namespace/name" of the Service an endpoint names (its namespace defaults to the profile's). */
export function serviceKeyOf(endpoint: Endpoint, profileNamespace: string): string {
  return `${endpoint.namespace ?? profileNamespace}/${endpoint.service}`;
}

/** Why this Service cannot be a peer, or undefined when it can. */
export function serviceProblem(key: string, service: ServiceObject | undefined): string | undefined {
  if (!service) return `Service ${key} not found`;
  if (service.spec?.type === 'ExternalName')
    return `Service ${key} is of type ExternalName: no pods behind it to select (use fqdn for an outside name)`;
  if (!service.spec?.selector || Object.keys(service.spec.selector).length === 0)
    return `Service ${key} has no selector (its endpoints are managed by hand): refused, it would select every pod`;
  return undefined;
}

/** The Service's selector as a peer; another namespace is selected by its name label, ANDed. */
export function servicePeer(service: ServiceObject, profileNamespace: string): PolicyPeer {
  const podSelector: LabelSelector = canonicalSelector({ matchLabels: { ...service.spec?.selector } });
  const namespace = service.metadata.namespace ?? profileNamespace;
  if (namespace === profileNamespace) return { podSelector };
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector };
}

type ServicePort = NonNullable<NonNullable<ServiceObject['spec']>['ports']>[number];

function targetOf(sp: ServicePort): PolicyPort {
  return { protocol: (sp.protocol ?? 'TCP') as Protocol, port: sp.targetPort ?? sp.port };
}

const describePort = (sp: ServicePort) => `${sp.name ? `${sp.name} ` : ''}${sp.port}/${sp.protocol ?? 'TCP'}`;

/**
 * The destination ports of a flow to a Service: each flow port names a Service port (by number or
 * name; without a protocol, every protocol of it) and becomes that port's targetPort. No flow
 * ports: every port of the Service (all ports when it declares none). A problem per flow port that
 * names no Service port, by its index in the flow's ports.
 */
export function servicePorts(
  key: string,
  service: ServiceObject,
  flowPorts: readonly Port[] | undefined,
): { ports: PolicyPort[] | undefined; problems: Array<{ index: number; message: string }> } {
  const declared = service.spec?.ports ?? [];
  if (!flowPorts || flowPorts.length === 0)
    return { ports: declared.length > 0 ? declared.map(targetOf) : undefined, problems: [] };
  const ports: PolicyPort[] = [];
  const problems: Array<{ index: number; message: string }> = [];
  flowPorts.forEach((fp, index) => {
    if (fp.endPort !== undefined) {
      problems.push({ index, message: 'a port range cannot name Service ports: name each port' });
      return;
    }
    const matches = declared.filter(
      (sp) =>
        (typeof fp.port === 'number' ? sp.port === fp.port : sp.name === fp.port) &&
        (fp.protocol === undefined || (sp.protocol ?? 'TCP') === fp.protocol),
    );
    if (matches.length === 0) {
      const known = declared.length > 0 ? declared.map(describePort).join(', ') : 'none';
      problems.push({
        index,
        message: `Service ${key} has no port ${fp.port}${fp.protocol ? `/${fp.protocol}` : ''} (its ports: ${known})`,
      });
    }
    ports.push(...matches.map(targetOf));
  });
  return { ports, problems };
}
