// A size budget on what one profile may render. The CRD bounds the input, but a profile can
// multiply (every flow lands on two policies, every selector is copied into each rule): without a
// bound on the output, one object could make the operator write megabytes that etcd refuses, again
// and again. Measured on the JSON the API server would receive.
import type { Diagnostic } from './diagnostics.js';
import type { NetworkPolicy } from './networkpolicy.js';

/** Per NetworkPolicy: well under etcd's 1.5 MiB request limit, far above any hand-written policy. */
export const MAX_POLICY_BYTES = 128 * 1024;
/** All policies of one profile together. */
export const MAX_PROFILE_BYTES = 512 * 1024;

const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KiB`;

/** Diagnostics for rendered policies over the budget; `components` gives each policy's field path. */
export function checkRenderBudget(
  policies: readonly NetworkPolicy[],
  componentIndex: (policy: NetworkPolicy) => number,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let total = 0;
  for (const policy of policies) {
    const bytes = Buffer.byteLength(JSON.stringify(policy));
    total += bytes;
    if (bytes > MAX_POLICY_BYTES)
      diagnostics.push({
        path: `spec.components[${componentIndex(policy)}]`,
        message: `renders a NetworkPolicy of ${kib(bytes)}, over the limit of ${kib(MAX_POLICY_BYTES)}: split the component's flows over several profiles or use fewer, broader selectors`,
      });
  }
  if (total > MAX_PROFILE_BYTES)
    diagnostics.push({
      path: 'spec',
      message: `renders ${kib(total)} of NetworkPolicies, over the limit of ${kib(MAX_PROFILE_BYTES)} per profile: split it into several profiles`,
    });
  return diagnostics;
}
