// The cluster-side record of the baseline: a ConfigMap in the operator's namespace. Its
// creationTimestamp (the API server's clock, never the operator's) is when the baseline was first
// enabled in the cluster; it is created once and only rollback (--baseline=false) deletes it. Its
// data is the scope settings, which the admission gate reads through its paramRef.
import { isDeepStrictEqual } from 'node:util';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../compiler/index.js';
import { isNotFound, KubeApiError } from './errors.js';
import type { KubeObject } from './objects.js';
import { configMap, configMaps } from './paths.js';
import type { KubeRest } from './rest.js';

export const BASELINE_RECORD_NAME = 'apptrust-baseline';
const FIELD_MANAGER = 'apptrust-operator';
const DESCRIPTION =
  'Record of the apptrust operator: its creationTimestamp is when the namespace baseline was first enabled in this cluster (namespaces created since then get it); data is the scope the admission policy apptrust-baseline-gate reads. Deleted by --baseline=false.';

interface RecordObject extends KubeObject {
  metadata: KubeObject['metadata'] & { creationTimestamp?: string };
  data?: Record<string, string>;
}

export class BaselineRecord {
  constructor(
    private readonly rest: KubeRest,
    private readonly namespace: string,
  ) {}

  /** Creates the record when absent, brings its data up to date; returns when the baseline was first enabled. */
  async ensure(data: Record<string, string>): Promise<string> {
    let record = await this.read();
    if (!record) record = await this.create(data);
    if (!isDeepStrictEqual(record.data ?? {}, data)) {
      // A PUT with the read resourceVersion: a concurrent change is a Conflict and the caller retries.
      record = await this.rest.request<RecordObject>({
        method: 'PUT',
        path: configMap(this.namespace, BASELINE_RECORD_NAME),
        query: { fieldManager: FIELD_MANAGER },
        body: { ...record, data },
      });
    }
    const since = record.metadata.creationTimestamp;
    if (!since) throw new Error(`${this.namespace}/${BASELINE_RECORD_NAME} has no creationTimestamp`);
    return since;
  }

  /** Deletes the record (rollback); absent is fine. */
  async remove(): Promise<void> {
    await this.rest.delete(configMap(this.namespace, BASELINE_RECORD_NAME)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  private read(): Promise<RecordObject | undefined> {
    return this.rest
      .get<RecordObject>(configMap(this.namespace, BASELINE_RECORD_NAME))
      .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
  }

  private async create(data: Record<string, string>): Promise<RecordObject> {
    try {
      return await this.rest.request<RecordObject>({
        method: 'POST',
        path: configMaps(this.namespace),
        query: { fieldManager: FIELD_MANAGER },
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: BASELINE_RECORD_NAME,
            namespace: this.namespace,
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
            annotations: { 'apptrust.dev/description': DESCRIPTION },
          },
          data,
        },
      });
    } catch (error) {
      // Another replica (or an earlier attempt) wrote it first: written once, so read theirs.
      if (error instanceof KubeApiError && error.reason === 'AlreadyExists') {
        const theirs = await this.read();
        if (theirs) return theirs;
      }
      if (isNotFound(error))
        throw new Error(
          `cannot write the baseline record: namespace ${this.namespace} does not exist (create it, or set --operator-namespace)`,
        );
      throw error;
    }
  }
}
