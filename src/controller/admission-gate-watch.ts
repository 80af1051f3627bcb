// The admission gate judges pods only while its param, the BaselineRecord, exists: without it (the
// record deleted, or its CRD) the gate admits every pod, so that a missing record never stops pod
// creation cluster-wide. This never happens silently: the leader watches the record, re-creates it
// at once with the ORIGINAL time (kept in its spec), and while it cannot (the CRD is gone) it says
// so: a Warning Event in the operator's namespace, apptrust_admission_gate_ready 0, an error in the
// log; it keeps trying (admission-gate-controller.ts requeues) and reports the recovery.
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { AdmissionGateEventReason, EventAction } from '../api/v1alpha1/index.js';
import type { BaselineRecord, BaselineRecordSpec } from '../kube/baseline-record.js';
import { BASELINE_RECORD_NAME } from '../kube/baseline-record.js';
import { KubeApiError } from '../kube/errors.js';
import type { EventRecorder } from '../kube/events.js';

export interface AdmissionGateWatchDeps {
  record: Pick<BaselineRecord, 'exists' | 'ensure' | 'enabledSince'>;
  scope: BaselineRecordSpec;
  events: EventRecorder;
  operatorNamespace: string;
  log: Logger;
  registry: Registry;
}

export class AdmissionGateWatch {
  private ready: boolean | undefined;
  private running: Promise<boolean> | undefined;
  private readonly gauge: Gauge;

  constructor(private readonly deps: AdmissionGateWatchDeps) {
    this.gauge = new Gauge({
      name: 'apptrust_admission_gate_ready',
      help: '1 when the admission gate has its BaselineRecord and judges pods; 0 when the record or its CRD is missing (the gate then admits every pod)',
      registers: [deps.registry],
    });
  }

  /** Whether the gate has its record now (re-created when it was missing); one check at a time. */
  check(): Promise<boolean> {
    this.running ??= this.checkOnce()
      .then(() => this.ready === true)
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    if (await this.deps.record.exists()) return this.setReady(true);
    const since = this.deps.record.enabledSince;
    // Never seen by this process: the first start writes it (with the baseline reconciler, which
    // may win the race); nothing went missing, nothing to report.
    if (since) this.setReady(false, 'the BaselineRecord is missing');
    try {
      await this.deps.record.ensure(this.deps.scope);
    } catch (error) {
      if (await this.deps.record.exists().catch(() => false)) return this.setReady(true);
      const why = error instanceof KubeApiError ? `${error.reason}: ${error.message}` : String(error);
      this.setReady(false, 'the BaselineRecord is missing');
      this.deps.log.error(
        { err: error },
        `admission gate open: cannot re-create the BaselineRecord (${why})`,
      );
      return;
    }
    if (since)
      this.event(
        'Normal',
        AdmissionGateEventReason.RecordRestored,
        `BaselineRecord ${BASELINE_RECORD_NAME} re-created with its original time ${since}: the admission gate judges pods again`,
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
      AdmissionGateEventReason.Open,
      `${why}: the admission gate admits every pod until it is back; the operator re-creates it with the original time (if the BaselineRecord CRD is gone: make install, or helm upgrade, puts it back; README "Recovering the admission gate")`,
    );
  }

  private event(type: 'Normal' | 'Warning', reason: AdmissionGateEventReason, note: string): void {
    const ns = this.deps.operatorNamespace;
    this.deps.events.record(
      { apiVersion: 'v1', kind: 'Namespace', namespace: ns, name: ns },
      type,
      reason,
      EventAction.Restore,
      note,
    );
  }
}
