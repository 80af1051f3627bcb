// The bench's namespaces all exist before the operator first runs (a cold start), so both sides
// put the baseline into every namespace as `--baseline-existing` asks; excluded ones stay out.
import type { OperatorOptions } from '../../src/config.js';
import { allExcluded, baselineScope } from '../../src/controller/baseline-scope.js';
import type { KubeObject } from '../../src/kube/objects.js';

/** The operator flag that puts existing namespaces in scope; the floor mirrors it. */
export const BENCH_BASELINE_ARGS = ['--baseline-existing=true'];

export function wantsBaseline(
  ns: KubeObject,
  options: Pick<OperatorOptions, 'operatorNamespace' | 'baselineExclude'>,
): boolean {
  return baselineScope(
    { namespace: ns, enabledSince: new Date().toISOString(), hasOurBaseline: false },
    {
      excluded: allExcluded(options.operatorNamespace, options.baselineExclude),
      watched: [],
      existing: true,
    },
  ).inScope;
}
