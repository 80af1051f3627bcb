// The admission gate judges pods only while its param, the BaselineRecord, exists: without it (the
// record deleted, or its CRD) the gate admits every pod, so that a missing record never stops pod
// creation cluster-wide. This never happens silently: the leader watches the record, re-creates it
// at once with the ORIGINAL time (kept in its spec), and while it cannot (the CRD is gone) it says
// so: a Warning Event in the operator's namespace, apptrust_admission_gate_ready 0, an error in the
// log; it keeps trying and reports the recovery.
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { BaselineRecord, BaselineRecordSpec } from '../kube/baseline-record.js';
import { BASELINE_RECORD_NAME } from '../kube/baseline-record.js';
import { KubeApiError } from '../kube/errors.js';
import type { EventRecorder } from '../kube/events.js';
import type { InformerEvent } from '../kube/informer.js';

export const GATE_REASONS = {
  open: 'AdmissionGateOpen',
  restored: 'BaselineRecordRestored',
} as const;

export interface AdmissionGateWatchDeps {
  /** Calls back on every event of the record's watch (one object: fieldSelector by name). */
  onRecordEvent(handler: (event: InformerEvent) => void): void;
  record: BaselineRecord;
  scope: BaselineRecordSpec;
  events: EventRecorder;
  operatorNamespace: string;
  log: Logger;
  registry: Registry;
  /** The backstop when no watch event comes (the CRD is gone: nothing can be watched). */
  checkEveryMs?: number;
}

export class AdmissionGateWatch {
  private ready: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly gauge: Gauge;

  constructor(private readonly deps: AdmissionGateWatchDeps) {
    this.gauge = new Gauge({
      name: 'apptrust_admission_gate_ready',
      help: '1 when the admission gate has its BaselineRecord and judges pods; 0 when the record or its CRD is missing (the gate then admits every pod)',
      registers: [deps.registry],
    });
    deps.onRecordEvent((event) => {
      if (event === 'delete' && this.timer) void this.check();
    });
  }

  /** The leader only: it is the one that may write the record. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.deps.checkEveryMs ?? 5_000);
    void this.check();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check at a time; a request during one runs once more after it. */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.checkOnce()
      .catch((error: unknown) => this.deps.log.warn({ err: error }, 'admission gate check failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && this.timer) {
          this.again = false;
          void this.check();
        }
      });
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    if (await this.deps.record.exists()) return this.setReady(true);
    this.setReady(false, 'the BaselineRecord is missing');
    const since = this.deps.record.enabledSince;
    try {
      await this.deps.record.ensure(this.deps.scope);
    } catch (error) {
      const why = error instanceof KubeApiError ? `${error.reason}: ${error.message}` : String(error);
      this.deps.log.error(
        { err: error },
        `admission gate open: cannot re-create the BaselineRecord (${why})`,
      );
      return;
    }
    this.event(
      'Normal',
      GATE_REASONS.restored,
      `BaselineRecord ${BASELINE_RECORD_NAME} re-created ${since ? `with its original time ${since}` : 'with a new time (the original was not known to this process)'}: the admission gate judges pods again`,
    );
    this.setReady(true);
  }

  private setReady(ready: boolean, why?: string): void {
    this.gauge.set(ready ? 1 : 0);
    if (this.ready === ready) return;
    this.ready = ready;
    if (ready) {
      this.deps.log.info({ gate: 'ready' }, 'admission gate ready: its BaselineRecord exists');
      return;
    }
    this.deps.log.error(
      { gate: 'open' },
      `admission gate open: ${why}; pods of namespaces in baseline scope are admitted before their baseline exists until the record is back`,
    );
    this.event(
      'Warning',
      GATE_REASONS.open,
      `${why}: the admission gate admits every pod until it is back; the operator re-creates it with the original time (if the BaselineRecord CRD is gone: make install, or helm upgrade, puts it back; README "Recovering the admission gate")`,
    );
  }

  private event(type: 'Normal' | 'Warning', reason: string, note: string): void {
    const ns = this.deps.operatorNamespace;
    this.deps.events.record(
      { apiVersion: 'v1', kind: 'Namespace', namespace: ns, name: ns },
      type,
      reason,
      'Admission',
      note,
    );
  }
}
