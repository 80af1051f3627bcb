// The compiler: pure functions from AppTrustProfile (+ settings) to canonical NetworkPolicies.
// No client, no clock, no environment, no randomness.
export { type BaselineOptions, baselinePolicyFor } from './baseline.js';
export { MAX_POLICY_BYTES, MAX_PROFILE_BYTES } from './budget.js';
export { canonicalJson, sortKeys } from './canonical.js';
export { type Diagnostic, formatDiagnostic } from './diagnostics.js';
export { checkEndpoints, fqdnNamesOf, serviceKeysOf } from './endpoints.js';
export { type FqdnAddresses, hostCidr } from './fqdn.js';
export * from './labels.js';
export { policyName } from './names.js';
export type * from './networkpolicy.js';
export type { EndpointInputs } from './peers.js';
export { type RenderOptions, type RenderResult, renderProfile, renderValidProfile } from './render.js';
export { isProfileDocument, type ProfileSource, type RenderSetResult, renderProfiles } from './render-set.js';
export { type ServiceObject, serviceProblem } from './services.js';
export { type CompilerSettings, DEFAULT_SETTINGS } from './settings.js';
export { type Validation, validateProfile } from './validate.js';
