// The world the analysis judges: namespaces, pods (labels, IPs, declared container ports), addresses
// outside the cluster, the NetworkPolicies in force and the profiles that rendered some of them.
// Plain data, so the CLI (files, live cluster) and the operator (informer caches) build it alike.
import type { AppTrustProfile } from '../api/v1alpha1/index.js';
import type { CompilerSettings, EndpointInputs, NetworkPolicy, Protocol } from '../compiler/index.js';

export interface Namespace {
  name: string;
  labels?: Record<string, string>;
}

/** A container port as declared in the pod spec; `name` is what a named NetworkPolicy port resolves. */
export interface ContainerPort {
  port: number;
  protocol?: Protocol;
  name?: string;
}

export interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** The pod's IP (status.podIP); "" for a pod that has none yet (no ipBlock matches it). */
  ip: string;
  /** Every IP of the pod (status.podIPs, dual stack); defaults to [ip]. */
  ips?: string[];
  /** Declared container ports: the matrix's ports and the targets of named ports. */
  ports?: ContainerPort[];
  /** The controlling owner, "Kind/name" (e.g. ReplicaSet/web-5d8f9): pods of one owner form a workload. */
  owner?: string;
}

/** An address outside the cluster; `name` when it is what a DNS name (to.fqdn) resolved to. */
export interface External {
  ip: string;
  name?: string;
}

export type Endpoint = Pod | External;

export interface World {
  namespaces: Namespace[];
  /**
   * The labels of a namespace by name, when the caller has them indexed already (the operator's
   * cache of thousands of namespaces): then `namespaces` is not scanned to build a lookup.
   */
  namespaceLabels?: (namespace: string) => Record<string, string>;
  pods: Pod[];
  policies: NetworkPolicy[];
  /** Validated profiles: attribute a rendered rule to the flow that asked for it (`ns/name spec.allow[i]`). */
  profiles?: AppTrustProfile[];
  /** The compiler settings the profiles were rendered with (the cluster DNS peer); default kube-dns. */
  settings?: CompilerSettings;
  /** What the profiles' fqdn and service endpoints resolved to when they were rendered. */
  inputs?: EndpointInputs;
}

export const isPod = (e: Endpoint): e is Pod => 'namespace' in e;

/** "ns/name" for a pod, "NAME=ADDRESS" for a DNS name's address, else the address: how verdicts and matrices name endpoints. */
export function endpointName(e: Endpoint): string {
  if (isPod(e)) return `${e.namespace}/${e.name}`;
  return e.name ? `${e.name}=${e.ip}` : e.ip;
}

export function podIps(pod: Pod): string[] {
  return pod.ips ?? (pod.ip ? [pod.ip] : []);
}
