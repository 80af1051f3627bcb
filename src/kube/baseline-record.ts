// The cluster-side record of the baseline: a BaselineRecord (crds/apptrust.dev_baselinerecords.yaml)
// in the operator's namespace. `spec.enabledSince` is when the baseline was first enabled in the
// cluster: the creationTimestamp of the first record (the API server's clock, never the
// operator's), copied into the spec so that a record re-created after a deletion keeps the original
// time. Only rollback (--baseline=false) deletes it (an admission policy refuses anyone else). Its
// spec is the scope, which the admission gate reads through its paramRef (a custom resource, not a
// ConfigMap: see the CRD file for the API server bug).
import { isDeepStrictEqual } from 'node:util';
import { GROUP, VERSION } from '../api/v1alpha1/index.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../compiler/index.js';
import { isConflict, isNotFound, KubeApiError } from './errors.js';
import type { KubeObject } from './objects.js';
import { baselineRecord, baselineRecords } from './paths.js';
import type { KubeRest } from './rest.js';

export const BASELINE_RECORD_NAME = 'apptrust-baseline';
const FIELD_MANAGER = 'apptrust-operator';
/** A Conflict is retried this often before ensure fails (and its caller backs off). */
const ENSURE_ATTEMPTS = 3;

/** The scope as the admission gate reads it (`params.spec`). */
export interface BaselineRecordSpec {
  excluded: string[];
  watched: string[];
  existing: boolean;
  /** RFC 3339; absent only on a record written by an older operator (then creationTimestamp). */
  enabledSince?: string;
}

interface RecordObject extends KubeObject {
  metadata: KubeObject['metadata'] & { creationTimestamp?: string };
  spec?: BaselineRecordSpec;
}

export class BaselineRecord {
  /** The original time, once read: what a re-created record carries. */
  private since: string | undefined;

  constructor(
    private readonly rest: KubeRest,
    private readonly namespace: string,
  ) {}

  /** When the baseline was first enabled, as far as this process knows (undefined before the first ensure). */
  get enabledSince(): string | undefined {
    return this.since;
  }

  /** Whether the record exists (false also when its CRD is gone); remembers its time when it does. */
  async exists(): Promise<boolean> {
    const record = await this.read();
    if (record) this.since ??= record.spec?.enabledSince ?? record.metadata.creationTimestamp;
    return record !== undefined;
  }

  /**
   * Creates the record when absent (with the original time when this process knew it), brings its
   * spec up to date; returns when the baseline was first enabled.
   */
  async ensure(scope: BaselineRecordSpec): Promise<string> {
    // Two controllers ensure the record at start (the baseline's and the admission gate's): the
    // loser of a concurrent update reads the winner's record and tries again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ensureOnce(scope);
      } catch (error) {
        if (!isConflict(error) || attempt >= ENSURE_ATTEMPTS) throw error;
      }
    }
  }

  private async ensureOnce(scope: BaselineRecordSpec): Promise<string> {
    let record = await this.read();
    if (!record)
      record = await this.create({ ...scope, ...(this.since ? { enabledSince: this.since } : {}) });
    const since = record.spec?.enabledSince ?? this.since ?? record.metadata.creationTimestamp;
    if (!since) throw new Error(`${this.namespace}/${BASELINE_RECORD_NAME} has no creationTimestamp`);
    const spec = { ...scope, enabledSince: since };
    if (!isDeepStrictEqual(record.spec, spec)) {
      // A PUT with the read resourceVersion: a concurrent change is a Conflict and the caller retries.
      record = await this.rest.request<RecordObject>({
        method: 'PUT',
        path: baselineRecord(this.namespace, BASELINE_RECORD_NAME),
        query: { fieldManager: FIELD_MANAGER },
        body: { ...record, spec },
      });
    }
    this.since = since;
    return since;
  }

  /** Deletes the record (rollback); absent is fine. */
  async remove(): Promise<void> {
    await this.rest.delete(baselineRecord(this.namespace, BASELINE_RECORD_NAME)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  private read(): Promise<RecordObject | undefined> {
    return this.rest
      .get<RecordObject>(baselineRecord(this.namespace, BASELINE_RECORD_NAME))
      .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
  }

  private async create(spec: BaselineRecordSpec): Promise<RecordObject> {
    try {
      return await this.rest.request<RecordObject>({
        method: 'POST',
        path: baselineRecords(this.namespace),
        query: { fieldManager: FIELD_MANAGER },
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'BaselineRecord',
          metadata: {
            name: BASELINE_RECORD_NAME,
            namespace: this.namespace,
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
          },
          spec,
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
          `cannot write the baseline record: namespace ${this.namespace} or the BaselineRecord CRD does not exist (make install; or set --operator-namespace)`,
        );
      throw error;
    }
  }
}
