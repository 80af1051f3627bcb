// The minimal wire shapes the operator reads. Objects stay plain JSON (never client-node models).

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface KubeList<T> {
  /** `continue`: the token of the next page when the list was asked for with a limit. */
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

/** "namespace/name" or "name": the key of an object in caches and work queues. */
export function keyOf(meta: Pick<ObjectMeta, 'name' | 'namespace'>): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The fields of `meta` named in `keys` that are set: what a slim cache keeps of an object's metadata. */
export function pickMeta<K extends keyof ObjectMeta>(
  meta: ObjectMeta,
  keys: readonly K[],
): Pick<ObjectMeta, 'name' | K> {
  const picked: Partial<ObjectMeta> = { name: meta.name };
  for (const key of keys) if (meta[key] !== undefined) picked[key] = meta[key] as never;
  return picked as Pick<ObjectMeta, 'name' | K>;
}

/** What the operator reads of a Namespace: its name, labels and lifecycle (not its spec or status). */
export function slimNamespace(ns: KubeObject): KubeObject {
  return {
    metadata: pickMeta(ns.metadata, [
      'uid',
      'resourceVersion',
      'labels',
      'creationTimestamp',
      'deletionTimestamp',
    ]),
  };
}
