// The NetworkPolicy evaluator now lives in src/analysis (the product's `apptrust explain`); the tests
// keep importing it from here.
export {
  type Endpoint,
  type External,
  isAllowed,
  type Namespace,
  type Pod,
  selectorMatches,
  type World,
} from '../../src/analysis/index.js';
