// Sorts loaded documents into the parts of a world: profiles, NetworkPolicies, Namespaces, Pods.
// Other kinds are skipped (a manifest folder holds Kustomizations and Services too). A malformed
// object is a problem naming its field, never a crash.
import type { ContainerPort, Namespace, Pod } from '../analysis/index.js';
import {
  isProfileDocument,
  type NetworkPolicy,
  type ProfileSource,
  type ServiceObject,
} from '../compiler/index.js';
import { servicesOf } from './endpoint-inputs.js';
import type { SourceDocument } from './load.js';

export interface WorldInput {
  /** Profiles to render (files) or, when `live`, already applied by the operator (attribution only). */
  profiles: ProfileSource[];
  policies: NetworkPolicy[];
  namespaces: Namespace[];
  pods: Pod[];
  /** Services that {service: NAME} endpoints of the profiles render from. */
  services: ServiceObject[];
  problems: string[];
}

export const emptyInput = (): WorldInput => ({
  profiles: [],
  policies: [],
  namespaces: [],
  pods: [],
  services: [],
  problems: [],
});

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown): v is Record<string, string> =>
  isObject(v) && Object.values(v).every((x) => typeof x === 'string');

class Problem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function labelsOf(meta: Obj): Record<string, string> {
  if (meta.labels === undefined) return {};
  if (!isStringMap(meta.labels)) throw new Problem('metadata.labels', 'must be a map of strings');
  return meta.labels;
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

function checkSelector(value: unknown, field: string): void {
  if (value === undefined) return;
  if (!isObject(value)) throw new Problem(field, 'must be a label selector object');
  if (value.matchLabels !== undefined && !isStringMap(value.matchLabels))
    throw new Problem(`${field}.matchLabels`, 'must be a map of strings');
  if (value.matchExpressions !== undefined && !Array.isArray(value.matchExpressions))
    throw new Problem(`${field}.matchExpressions`, 'must be a list');
}

function checkPorts(ports: unknown, field: string): void {
  if (ports === undefined || ports === null) return;
  if (!Array.isArray(ports)) throw new Problem(field, 'must be a list');
  ports.forEach((p, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(p)) throw new Problem(at, 'must be an object');
    if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol as string))
      throw new Problem(`${at}.protocol`, 'must be TCP, UDP or SCTP');
    if (p.port !== undefined && typeof p.port !== 'number' && typeof p.port !== 'string')
      throw new Problem(`${at}.port`, 'must be a number or a port name');
    if (p.endPort !== undefined && typeof p.endPort !== 'number')
      throw new Problem(`${at}.endPort`, 'must be a number');
  });
}

function checkPeers(peers: unknown, field: string): void {
  if (peers === undefined || peers === null) return;
  if (!Array.isArray(peers)) throw new Problem(field, 'must be a list');
  peers.forEach((peer, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(peer)) throw new Problem(at, 'must be an object');
    checkSelector(peer.podSelector, `${at}.podSelector`);
    checkSelector(peer.namespaceSelector, `${at}.namespaceSelector`);
    if (peer.ipBlock !== undefined && (!isObject(peer.ipBlock) || typeof peer.ipBlock.cidr !== 'string'))
      throw new Problem(`${at}.ipBlock.cidr`, 'must be a CIDR string');
  });
}

function policyOf(value: Obj, meta: Obj, namespace: string): NetworkPolicy {
  const spec = value.spec;
  if (!isObject(spec)) throw new Problem('spec', 'required field is missing');
  checkSelector(spec.podSelector, 'spec.podSelector');
  for (const direction of ['ingress', 'egress'] as const) {
    const rules = spec[direction];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) throw new Problem(`spec.${direction}`, 'must be a list');
    rules.forEach((rule, i) => {
      if (!isObject(rule)) throw new Problem(`spec.${direction}[${i}]`, 'must be an object');
      checkPeers(
        rule[direction === 'ingress' ? 'from' : 'to'],
        `spec.${direction}[${i}].${direction === 'ingress' ? 'from' : 'to'}`,
      );
      checkPorts(rule.ports, `spec.${direction}[${i}].ports`);
    });
  }
  if (spec.policyTypes !== undefined && !Array.isArray(spec.policyTypes))
    throw new Problem('spec.policyTypes', 'must be a list');
  const annotations = isStringMap(meta.annotations) ? { annotations: meta.annotations } : {};
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: meta.name as string, namespace, labels: labelsOf(meta), ...annotations },
    spec: { podSelector: {}, ...(spec as Partial<NetworkPolicy['spec']>) } as NetworkPolicy['spec'],
  };
}

function containerPorts(spec: Obj): ContainerPort[] {
  const out: ContainerPort[] = [];
  const containers = spec.containers;
  if (containers === undefined) return out;
  if (!Array.isArray(containers)) throw new Problem('spec.containers', 'must be a list');
  containers.forEach((c, i) => {
    if (!isObject(c) || c.ports === undefined) return;
    if (!Array.isArray(c.ports)) throw new Problem(`spec.containers[${i}].ports`, 'must be a list');
    c.ports.forEach((p, j) => {
      const at = `spec.containers[${i}].ports[${j}]`;
      if (!isObject(p) || typeof p.containerPort !== 'number')
        throw new Problem(`${at}.containerPort`, 'must be a number');
      const protocol = (p.protocol ?? 'TCP') as string;
      if (!PROTOCOLS.includes(protocol)) throw new Problem(`${at}.protocol`, 'must be TCP, UDP or SCTP');
      const port: ContainerPort = { port: p.containerPort, protocol: protocol as ContainerPort['protocol'] };
      if (typeof p.name === 'string') port.name = p.name;
      out.push(port);
    });
  });
  return out;
}

/** A pod, or undefined for one that has finished (it sends and receives nothing). */
function podOf(value: Obj, meta: Obj, namespace: string): Pod | undefined {
  const spec = isObject(value.spec) ? value.spec : {};
  const status = isObject(value.status) ? value.status : {};
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
  const ips = Array.isArray(status.podIPs)
    ? status.podIPs
        .map((p) => (isObject(p) ? p.ip : undefined))
        .filter((ip): ip is string => typeof ip === 'string')
    : [];
  const ip = typeof status.podIP === 'string' ? status.podIP : (ips[0] ?? '');
  const pod: Pod = {
    name: meta.name as string,
    namespace,
    labels: labelsOf(meta),
    ip,
    ports: containerPorts(spec),
  };
  if (ips.length > 1) pod.ips = ips;
  const owners = Array.isArray(meta.ownerReferences) ? meta.ownerReferences.filter(isObject) : [];
  const owner = owners.find((o) => o.controller === true) ?? owners[0];
  if (owner && typeof owner.kind === 'string' && typeof owner.name === 'string')
    pod.owner = `${owner.kind}/${owner.name}`;
  return pod;
}

type Kind = 'NetworkPolicy' | 'Namespace' | 'Pod';

function kindOf(value: Obj): Kind | undefined {
  const { apiVersion, kind } = value;
  if (kind === 'NetworkPolicy' && apiVersion === 'networking.k8s.io/v1') return kind;
  if ((kind === 'Namespace' || kind === 'Pod') && apiVersion === 'v1') return kind;
  return undefined;
}

function addObject(input: WorldInput, kind: Kind, value: Obj, meta: Obj, namespace: string): void {
  if (typeof meta.name !== 'string' || meta.name === '')
    throw new Problem('metadata.name', 'required field is missing');
  if (kind === 'Namespace') input.namespaces.push({ name: meta.name, labels: labelsOf(meta) });
  else if (kind === 'NetworkPolicy') input.policies.push(policyOf(value, meta, namespace));
  else {
    const pod = podOf(value, meta, namespace);
    if (pod) input.pods.push(pod);
  }
}

function addOne(input: WorldInput, doc: SourceDocument, defaultNamespace: string): void {
  const value = doc.value;
  if (isProfileDocument(value)) {
    input.profiles.push({ source: doc.file, value });
    return;
  }
  const kind = isObject(value) ? kindOf(value) : undefined;
  if (!kind || !isObject(value)) return;
  const meta = isObject(value.metadata) ? value.metadata : {};
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : defaultNamespace;
  const display = kind === 'Namespace' ? String(meta.name ?? '') : `${namespace}/${String(meta.name ?? '')}`;
  try {
    addObject(input, kind, value, meta, namespace);
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    input.problems.push(`${doc.file}: ${display}: ${error.field}: ${error.message}`);
  }
}

export function worldInputOf(documents: readonly SourceDocument[], defaultNamespace: string): WorldInput {
  const input = emptyInput();
  for (const doc of documents) addOne(input, doc, defaultNamespace);
  input.services = [
    ...servicesOf(
      documents.map((d) => d.value),
      defaultNamespace,
    ).values(),
  ];
  return input;
}
