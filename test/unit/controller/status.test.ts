import { Reason, withCondition } from '../../../src/controller/conditions.js';
import {
  desiredStatus,
  ownedStatusFields,
  type ReconcileOutcome,
} from '../../../src/controller/profile-status.js';

const clock = (t: string) => () => t;

/** What one reconcile concluded, as desiredStatus takes it. */
const outcomeOf = (
  mode: ReconcileOutcome['mode'],
  generation: number,
  policies: string[],
  reason: Reason,
  message: string,
): ReconcileOutcome => ({ mode, generation, policies, reason, message });

describe('Ready condition', () => {
  const ready = {
    type: 'Ready',
    status: 'True' as const,
    reason: 'Reconciled',
    message: '2 enforced',
    observedGeneration: 1,
  };

  it('keeps lastTransitionTime while the status does not flip, even when reason or message change', () => {
    const first = withCondition(undefined, ready, clock('T1'));
    const second = withCondition(
      first,
      { ...ready, reason: 'Audit', message: 'other', observedGeneration: 2 },
      clock('T2'),
    );
    expect(second).toEqual([
      { ...ready, reason: 'Audit', message: 'other', observedGeneration: 2, lastTransitionTime: 'T1' },
    ]);
  });

  it('moves lastTransitionTime when the status flips', () => {
    const first = withCondition(undefined, ready, clock('T1'));
    const flipped = withCondition(first, { ...ready, status: 'False', reason: 'InvalidSpec' }, clock('T2'));
    expect(flipped[0]?.lastTransitionTime).toBe('T2');
  });

  it('leaves other condition types alone', () => {
    const other = { ...ready, type: 'Progressing', reason: 'X', message: '', lastTransitionTime: 'T0' };
    expect(withCondition([other], ready, clock('T1'))).toEqual([
      other,
      { ...ready, lastTransitionTime: 'T1' },
    ]);
  });
});

describe('profile status', () => {
  it('reports sorted policies, their count, the mode and the generation; Conflict is not Ready', () => {
    const status = desiredStatus(
      undefined,
      outcomeOf('Enforce', 4, ['shop.frontend', 'shop.backend'], Reason.Conflict, 'm'),
      clock('T'),
    );
    expect(status).toEqual({
      observedGeneration: 4,
      mode: 'Enforce',
      policyCount: 2,
      policies: ['shop.backend', 'shop.frontend'],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Conflict',
          message: 'm',
          observedGeneration: 4,
          lastTransitionTime: 'T',
        },
      ],
    });
  });

  it('is byte-identical when recomputed from its own output (no churn on resync)', () => {
    const outcome = outcomeOf('Audit', 2, ['a'], Reason.Audit, 'Audit');
    const first = desiredStatus(undefined, outcome, clock('T1'));
    const again = desiredStatus(first, outcome, clock('T2'));
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    expect(ownedStatusFields(first)).toEqual(again);
  });

  it('compares only the fields we own', () => {
    const mine = desiredStatus(undefined, outcomeOf('Enforce', 1, [], Reason.Reconciled, '0'), clock('T'));
    const withForeign = {
      ...mine,
      conditions: [
        ...(mine.conditions ?? []),
        { type: 'Other', status: 'True' as const, reason: 'X', message: '', lastTransitionTime: 'T' },
      ],
    };
    expect(ownedStatusFields(withForeign)).toEqual(mine);
  });
});

describe('DNS names in status', () => {
  const outcome = outcomeOf('Enforce', 2, ['pay.payments'], Reason.Reconciled, '1 NetworkPolicy enforced');
  const fqdn = [{ name: 'api.payments.example', addresses: ['192.0.2.1'], resolvedAt: 'R', expiresAt: 'E' }];

  it('adds status.fqdn and a DNSResolved condition beside Ready, only for a profile with names', () => {
    const status = desiredStatus(
      undefined,
      {
        ...outcome,
        dns: {
          resolved: false,
          reason: 'ResolutionFailed',
          message: 'api.payments.example: timed out',
          fqdn,
        },
      },
      clock('T1'),
    );
    expect(status.fqdn).toEqual(fqdn);
    expect(status.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'True' }),
      {
        type: 'DNSResolved',
        status: 'False',
        reason: 'ResolutionFailed',
        message: 'api.payments.example: timed out',
        observedGeneration: 2,
        lastTransitionTime: 'T1',
      },
    ]);
    expect(ownedStatusFields(status)).toEqual(status);
    const none = desiredStatus(status, outcome, clock('T2'));
    expect(none.fqdn).toBeUndefined();
    expect(none.conditions?.map((c) => c.type)).toEqual(['Ready']);
  });

  it('moves DNSResolved lastTransitionTime only when it flips', () => {
    const failed = { resolved: false, reason: 'ResolutionFailed' as const, message: 'x', fqdn };
    const first = desiredStatus(undefined, { ...outcome, dns: failed }, clock('T1'));
    const again = desiredStatus(first, { ...outcome, dns: { ...failed, message: 'y' } }, clock('T2'));
    expect(again.conditions?.[1]?.lastTransitionTime).toBe('T1');
    const back = desiredStatus(
      again,
      { ...outcome, dns: { resolved: true, reason: 'Resolved', message: '1 DNS name resolved', fqdn } },
      clock('T3'),
    );
    expect(back.conditions?.[1]).toMatchObject({ status: 'True', lastTransitionTime: 'T3' });
  });
});
