// The AppTrustProfile API (apptrust.dev/v1alpha1) in zod: the one source of truth for the
// TypeScript types, for runtime validation (compiler, CLI, operator) and for the generated CRD.
// Each cross-field rule is written twice side by side: as a zod check (every caller) and as the
// CEL rule the API server enforces at admission (`x-kubernetes-validations`).
import { z } from 'zod';
import { parseCidr, strictlyContains } from './cidr.js';
import { DNS1123_LABEL, isDns1123Subdomain, isLabelKey, isPortName, LABEL_VALUE } from './names.js';

export const GROUP = 'apptrust.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'AppTrustProfile';
export const PLURAL = 'apptrustprofiles';

export const MAX_COMPONENTS = 64;
export const MAX_FLOWS = 256;

const cel = (rule: string, message: string, fieldPath?: string) =>
  fieldPath ? { rule, message, fieldPath } : { rule, message };

const dnsLabel = (what: string) =>
  z
    .string()
    .max(63)
    .regex(DNS1123_LABEL, {
      message: `${what} must be a DNS-1123 label (lowercase a-z, 0-9, '-'; <= 63 chars)`,
    });

// --- metav1.LabelSelector -------------------------------------------------------------------------

const LabelSelectorRequirement = z
  .strictObject({
    key: z
      .string()
      .max(317)
      .refine(isLabelKey, { message: 'must be a valid label key' })
      .describe('The label key.'),
    operator: z
      .enum(['In', 'NotIn', 'Exists', 'DoesNotExist'])
      .describe('How the key relates to the values: In, NotIn, Exists or DoesNotExist.'),
    values: z
      .array(z.string().max(63).regex(LABEL_VALUE, { message: 'must be a valid label value' }))
      .max(64)
      .optional()
      .describe('Values for In and NotIn (non-empty); must be empty for Exists and DoesNotExist.'),
  })
  .superRefine((req, ctx) => {
    const needsValues = req.operator === 'In' || req.operator === 'NotIn';
    const count = req.values?.length ?? 0;
    if (needsValues && count === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `must be non-empty for operator ${req.operator}`,
      });
    if (!needsValues && count > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `must be empty for operator ${req.operator}`,
      });
  })
  .meta({
    'x-kubernetes-validations': [
      cel(
        "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0 : !has(self.values) || size(self.values) == 0",
        'values must be non-empty for In and NotIn and empty for Exists and DoesNotExist',
      ),
    ],
  });

export const LabelSelectorSchema = z
  .strictObject({
    matchLabels: z
      .record(
        z.string().max(317).refine(isLabelKey, { message: 'must be a valid label key' }),
        z.string().max(63).regex(LABEL_VALUE, { message: 'must be a valid label value' }),
      )
      .optional()
      .describe('Labels a pod (or namespace) must carry, each key with exactly this value.'),
    matchExpressions: z
      .array(LabelSelectorRequirement)
      .max(16)
      .optional()
      .describe('Set-based requirements; all must hold.'),
  })
  .meta({ 'x-kubernetes-map-type': 'atomic' })
  .describe('A Kubernetes label selector (metav1.LabelSelector); {} selects everything.');

// --- ports ----------------------------------------------------------------------------------------

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

export const PortSchema = z
  .strictObject({
    port: z
      .union([
        z.number().int().min(1).max(65535),
        z.string().refine(isPortName, { message: 'must be 1..65535 or an IANA port name (<= 15 chars)' }),
      ])
      .meta({
        'x-kubernetes-int-or-string': true,
        // maxLength bounds the CEL cost estimate; zod also checks "one letter, no --".
        maxLength: 15,
        'x-kubernetes-validations': [
          cel(
            "type(self) == int ? self >= 1 && self <= 65535 : self.matches('^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$')",
            'must be 1..65535 or an IANA port name (<= 15 chars)',
          ),
        ],
      })
      .describe('Port number (1..65535) or named container port of the destination pod.'),
    protocol: z.enum(PROTOCOLS).optional().describe('TCP (default), UDP or SCTP.'),
    endPort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('Last port of a range starting at port (numeric port only, >= port).'),
  })
  .superRefine((p, ctx) => {
    if (p.endPort === undefined) return;
    if (typeof p.port !== 'number')
      ctx.addIssue({ code: 'custom', path: ['endPort'], message: 'requires a numeric port' });
    else if (p.endPort < p.port)
      ctx.addIssue({ code: 'custom', path: ['endPort'], message: `must be >= port (${p.port})` });
  })
  .meta({
    'x-kubernetes-validations': [
      cel(
        '!has(self.endPort) || (type(self.port) == int && self.endPort >= self.port)',
        'endPort requires a numeric port and must be >= port',
        '.endPort',
      ),
    ],
  })
  .describe('A port, or range of ports, of a flow.');

// --- endpoints ------------------------------------------------------------------------------------

const cidrText = (what: string) =>
  z
    .string()
    .max(64)
    .refine((v) => parseCidr(v) !== undefined, { message: `${what} must be an IPv4 or IPv6 CIDR` })
    .meta({ 'x-kubernetes-validations': [cel('isCIDR(self)', `${what} must be an IPv4 or IPv6 CIDR`)] });

const FORM_KEYS = ['component', 'namespace', 'namespaceSelector', 'cidr'] as const;

export const EndpointSchema = z
  .strictObject({
    component: dnsLabel('component').optional().describe('A component of this profile, by name.'),
    namespace: dnsLabel('namespace')
      .optional()
      .describe('Another namespace, by name (with podSelector: some of its pods; alone: all of them).'),
    namespaceSelector: LabelSelectorSchema.optional().describe(
      'Every namespace whose labels match (with podSelector: some of their pods).',
    ),
    podSelector: LabelSelectorSchema.optional().describe(
      'Pods selected by labels: alone, pods of this namespace not governed by this profile; with namespace or namespaceSelector, pods of those namespaces.',
    ),
    cidr: cidrText('cidr').optional().describe('Addresses outside the cluster (IPv4 or IPv6 CIDR).'),
    except: z
      .array(cidrText('except'))
      .max(16)
      .optional()
      .describe('Sub-blocks of cidr to leave out (cidr form only).'),
  })
  .superRefine((e, ctx) => {
    const forms = FORM_KEYS.filter((k) => e[k] !== undefined);
    if (forms.length === 0 && e.podSelector === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must have exactly one of component, podSelector, namespace, namespaceSelector, cidr',
      });
    } else if (forms.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: `must have exactly one endpoint form, found ${forms.join(' and ')}`,
      });
    }
    if (e.podSelector !== undefined && (e.component !== undefined || e.cidr !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['podSelector'],
        message: 'goes alone or with namespace or namespaceSelector, not with component or cidr',
      });
    }
    if (e.except !== undefined) {
      const outer = e.cidr === undefined ? undefined : parseCidr(e.cidr);
      if (e.cidr === undefined) ctx.addIssue({ code: 'custom', path: ['except'], message: 'requires cidr' });
      e.except.forEach((text, i) => {
        const inner = parseCidr(text);
        if (outer && inner && !strictlyContains(outer, inner))
          ctx.addIssue({
            code: 'custom',
            path: ['except', i],
            message: `must be a strict sub-block of cidr ${e.cidr}`,
          });
      });
    }
  })
  .meta({
    'x-kubernetes-validations': [
      cel(
        '[has(self.component), has(self.namespace), has(self.namespaceSelector), has(self.cidr)].filter(x, x).size() == 1 || ([has(self.component), has(self.namespace), has(self.namespaceSelector), has(self.cidr)].filter(x, x).size() == 0 && has(self.podSelector))',
        'must have exactly one endpoint form: component, podSelector, namespace, namespaceSelector or cidr',
      ),
      cel(
        '!has(self.podSelector) || !(has(self.component) || has(self.cidr))',
        'podSelector goes alone or with namespace or namespaceSelector, not with component or cidr',
        '.podSelector',
      ),
      cel('!has(self.except) || has(self.cidr)', 'except requires cidr', '.except'),
      cel(
        '!has(self.except) || !has(self.cidr) || !isCIDR(self.cidr) || self.except.all(e, !isCIDR(e) || (cidr(self.cidr).containsCIDR(e) && cidr(e).prefixLength() > cidr(self.cidr).prefixLength()))',
        'each except must be a strict sub-block of cidr',
        '.except',
      ),
    ],
  })
  .describe('One end of a flow, in exactly one form.');

// --- flows, components, spec ----------------------------------------------------------------------

export const FlowSchema = z
  .strictObject({
    from: EndpointSchema.describe('Where the traffic starts.'),
    to: EndpointSchema.describe('Where the traffic goes.'),
    ports: z
      .array(PortSchema)
      .max(32)
      .optional()
      .describe('Destination ports; omitted or [] allows all ports and protocols.'),
  })
  .superRefine((f, ctx) => {
    if (f.from.component === undefined && f.to.component === undefined)
      ctx.addIssue({ code: 'custom', message: 'at least one side (from or to) must be a component' });
  })
  .meta({
    'x-kubernetes-validations': [
      cel(
        'has(self.from.component) || has(self.to.component)',
        'at least one side (from or to) must be a component',
      ),
    ],
  })
  .describe('One allowed flow: from -> to on the given ports.');

export const ComponentSchema = z
  .strictObject({
    name: dnsLabel('name').describe('Name of the component (DNS-1123 label), unique in the profile.'),
    podSelector: LabelSelectorSchema.describe(
      'The pods of this namespace that form the component; {} = every pod.',
    ),
  })
  .describe('A group of pods the profile governs.');

export const MODES = ['Enforce', 'Audit'] as const;
export const DIRECTIONS = ['Ingress', 'Egress'] as const;

export const SpecSchema = z
  .strictObject({
    mode: z
      .enum(MODES)
      .optional()
      .describe('Enforce (default) applies the policies; Audit only reports what it would apply.'),
    isolate: z
      .array(z.enum(DIRECTIONS))
      .min(1)
      .max(2)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'set' })
      .describe('Directions in which components are isolated (default both): only declared flows pass.'),
    allowDNS: z.boolean().optional().describe('Allow egress to the cluster DNS (default true).'),
    components: z
      .array(ComponentSchema)
      .min(1)
      .max(MAX_COMPONENTS)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .describe('The components of the application (1..64), keyed by name.'),
    allow: z
      .array(FlowSchema)
      .max(MAX_FLOWS)
      .optional()
      .describe('The allowed flows (0..256); nothing else passes.'),
  })
  .superRefine((spec, ctx) => {
    if (spec.isolate && new Set(spec.isolate).size !== spec.isolate.length)
      ctx.addIssue({ code: 'custom', path: ['isolate'], message: 'must not repeat a direction' });
    const seen = new Map<string, number>();
    spec.components.forEach((c, i) => {
      const first = seen.get(c.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['components', i, 'name'],
          message: `duplicate component "${c.name}" (also spec.components[${first}])`,
        });
      else seen.set(c.name, i);
    });
    spec.allow?.forEach((flow, i) => {
      for (const side of ['from', 'to'] as const) {
        const name = flow[side].component;
        if (name !== undefined && !seen.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['allow', i, side, 'component'],
            message: `unknown component "${name}"`,
          });
      }
    });
  })
  .meta({
    'x-kubernetes-validations': [
      cel(
        '!has(self.allow) || self.allow.all(f, (!has(f.from.component) || self.components.exists(c, c.name == f.from.component)) && (!has(f.to.component) || self.components.exists(c, c.name == f.to.component)))',
        'every allow[].from.component and allow[].to.component must name a component of spec.components',
        '.allow',
      ),
    ],
  })
  .describe('The intent: components and the flows allowed between them and the outside.');

// --- status ---------------------------------------------------------------------------------------

export const ConditionSchema = z
  .object({
    type: z.string().max(316).describe('Type of condition, e.g. Ready.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    reason: z.string().max(1024).describe('CamelCase reason for the last transition.'),
    message: z.string().max(32768).describe('Human-readable details.'),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('The spec generation this was computed from.'),
    lastTransitionTime: z.string().meta({ format: 'date-time' }).describe('When status last changed.'),
  })
  .describe('A metav1.Condition.');

const names = (what: string) => z.array(z.string().max(253)).max(64).optional().describe(what);

export const AuditSchema = z.object({
  create: names('NetworkPolicies enforcing would create.'),
  update: names('NetworkPolicies enforcing would change.'),
  delete: names('NetworkPolicies enforcing would delete.'),
  conflicts: names('Wanted names held by a NetworkPolicy this profile does not own: not taken over.'),
  newlyDenied: z.number().int().min(0).optional().describe('Live flows enforcing would deny.'),
  newlyAllowed: z.number().int().min(0).optional().describe('Live flows enforcing would newly allow.'),
  examples: z
    .array(z.string().max(512))
    .max(10)
    .optional()
    .describe('The first few of those flows, "denied|allowed FROM -> TO PORT/PROTO".'),
});

export const StatusSchema = z
  .object({
    observedGeneration: z.number().int().min(0).optional().describe('The spec generation last reconciled.'),
    mode: z.enum(MODES).optional().describe('The effective mode (spec.mode or its default).'),
    policyCount: z.number().int().min(0).optional().describe('Number of entries in policies.'),
    policies: z
      .array(z.string())
      .optional()
      .describe('Names of the owned NetworkPolicies (Audit: the ones that would be applied).'),
    conditions: z
      .array(ConditionSchema)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .describe('Observations of the profile state; Ready tells whether the policies match the spec.'),
    audit: AuditSchema.optional().describe(
      'Audit mode only: what enforcing the spec would change. Nothing is applied while in Audit.',
    ),
  })
  .describe('What the operator observed and applied.');

// --- the resource ---------------------------------------------------------------------------------

export const ProfileMetadataSchema = z.looseObject({
  name: z
    .string()
    .refine(isDns1123Subdomain, { message: 'must be a DNS-1123 subdomain (lowercase, <= 253 chars)' }),
  namespace: dnsLabel('namespace').optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
});

export const AppTrustProfileSchema = z.looseObject({
  apiVersion: z.literal(API_VERSION, { message: `must be ${API_VERSION}` }),
  kind: z.literal(KIND, { message: `must be ${KIND}` }),
  metadata: ProfileMetadataSchema,
  spec: SpecSchema,
  status: StatusSchema.optional(),
});

export type LabelSelector = z.infer<typeof LabelSelectorSchema>;
export type Port = z.infer<typeof PortSchema>;
export type Endpoint = z.infer<typeof EndpointSchema>;
export type Flow = z.infer<typeof FlowSchema>;
export type Component = z.infer<typeof ComponentSchema>;
export type ProfileSpec = z.infer<typeof SpecSchema>;
export type ProfileStatus = z.infer<typeof StatusSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type AuditSummary = z.infer<typeof AuditSchema>;
export type AppTrustProfile = z.infer<typeof AppTrustProfileSchema>;
export type Mode = (typeof MODES)[number];
export type Direction = (typeof DIRECTIONS)[number];
