// The AppTrustProfile API (apptrust.dev/v1alpha1) in zod: the one source of truth for the
// TypeScript types, for runtime validation (compiler, CLI, operator) and for the generated CRD.
// Each cross-field rule is written twice side by side: as a zod check (every caller) and as the
// CEL rule the API server enforces at admission (`x-kubernetes-validations`), with the same message.
// A CEL rule reports at a fixed field; where the offending item is deeper (an index, a key), its
// `messageExpression` starts with the item's path: absolute (`spec.allow[0].to.component: ...`)
// when the rule sits on spec, relative to the field (`except[1]: ...`) below that.
// Every string, list and map has a maximum, so a profile's size and the CEL cost are bounded.
import { z } from 'zod';
import { parseCidr, strictlyContains } from './cidr.js';
import {
  DNS1123_LABEL,
  isDns1123Subdomain,
  isLabelKey,
  isPortName,
  LABEL_KEY,
  LABEL_VALUE,
  labelKeyCel,
  labelKeyProblem,
  labelKeyProblemCel,
  MAX_LABEL_KEY,
  MAX_LABEL_PREFIX,
  portNameCel,
} from './names.js';

export const GROUP = 'apptrust.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'AppTrustProfile';
export const PLURAL = 'apptrustprofiles';

export const MAX_COMPONENTS = 64;
export const MAX_FLOWS = 256;
export const MAX_MATCH_LABELS = 16;
export const MAX_MATCH_EXPRESSIONS = 16;
export const MAX_SELECTOR_VALUES = 64;
export const MAX_PORTS = 32;
export const MAX_EXCEPT = 16;
/** Distinct DNS names (`to: {fqdn}`) per profile: each is resolved and kept current by the operator. */
export const MAX_FQDN_NAMES = 32;
/** Addresses kept per DNS name (answers plus those within their grace period). */
export const MAX_FQDN_ADDRESSES = 32;

interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
}
/** A CEL rule with a fixed message. */
const cel = (rule: string, message: string, fieldPath?: string): CelRule =>
  fieldPath ? { rule, message, fieldPath } : { rule, message };
/** A CEL rule whose message is computed (names the offending index or value). */
const celExpr = (rule: string, messageExpression: string, fieldPath?: string): CelRule =>
  fieldPath ? { rule, messageExpression, fieldPath } : { rule, messageExpression };

/**
 * An enum as the API server words it (`Unsupported value: "ICMP": supported values: "TCP", ...`),
 * with a maxLength in the CRD (size and CEL cost estimates need one on every string).
 */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .enum(values, {
      error: (issue) =>
        `Unsupported value: ${JSON.stringify(issue.input)}: supported values: ${values.map((v) => `"${v}"`).join(', ')}`,
    })
    .meta({ maxLength: Math.max(...values.map((v) => v.length)) });

const dnsLabel = (what: string) =>
  z
    .string()
    .max(63)
    .regex(DNS1123_LABEL, {
      message: `${what} must be a DNS-1123 label (lowercase a-z, 0-9, '-'; <= 63 chars)`,
    });

const labelValue = z
  .string()
  .max(63)
  .regex(LABEL_VALUE, {
    error: (issue) =>
      `label value "${String(issue.input)}" is invalid: <= 63 of a-z, A-Z, 0-9, '-', '_', '.' starting and ending alphanumeric`,
  });

// --- metav1.LabelSelector -------------------------------------------------------------------------

const LabelSelectorRequirement = z
  .strictObject({
    // The format as an OpenAPI pattern: a CEL regex here would cost too much at this depth.
    key: z
      .string()
      .max(MAX_LABEL_KEY)
      .regex(LABEL_KEY, { error: (issue) => labelKeyProblem(String(issue.input)) })
      .superRefine((key, ctx) => {
        if (key.indexOf('/') > MAX_LABEL_PREFIX)
          ctx.addIssue({ code: 'custom', message: labelKeyProblem(key) });
      })
      .meta({
        'x-kubernetes-validations': [
          celExpr(`self.indexOf('/') <= ${MAX_LABEL_PREFIX}`, labelKeyProblemCel('self')),
        ],
      })
      .describe('The label key.'),
    operator: oneOf(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe(
      'How the key relates to the values: In, NotIn, Exists or DoesNotExist.',
    ),
    values: z
      .array(labelValue)
      .max(MAX_SELECTOR_VALUES)
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
      celExpr(
        "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0 : !has(self.values) || size(self.values) == 0",
        "(self.operator in ['In', 'NotIn'] ? 'must be non-empty for operator ' : 'must be empty for operator ') + self.operator",
        '.values',
      ),
    ],
  });

export const LabelSelectorSchema = z
  .strictObject({
    // A bad key is reported at the map, naming the key, as Kubernetes reports metadata.labels.
    matchLabels: z
      .record(z.string(), labelValue)
      .superRefine((labels, ctx) => {
        const keys = Object.keys(labels);
        if (keys.length > MAX_MATCH_LABELS)
          ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_MATCH_LABELS} labels` });
        for (const key of keys)
          if (!isLabelKey(key)) ctx.addIssue({ code: 'custom', message: labelKeyProblem(key) });
      })
      .meta({
        maxProperties: MAX_MATCH_LABELS,
        'x-kubernetes-validations': [
          celExpr(
            `self.all(k, ${labelKeyCel('k')})`,
            labelKeyProblemCel(`self.filter(k, !(${labelKeyCel('k')}))[0]`),
          ),
        ],
      })
      .optional()
      .describe('Labels a pod (or namespace) must carry, each key with exactly this value.'),
    matchExpressions: z
      .array(LabelSelectorRequirement)
      .max(MAX_MATCH_EXPRESSIONS)
      .optional()
      .describe('Set-based requirements; all must hold.'),
  })
  .meta({ 'x-kubernetes-map-type': 'atomic' })
  .describe('A Kubernetes label selector (metav1.LabelSelector); {} selects everything.');

// --- ports ----------------------------------------------------------------------------------------

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

const portProblem = (port: number | string) =>
  typeof port === 'number'
    ? `port ${port} is out of range 1..65535`
    : `port name "${port}" is invalid: want 1..65535 or an IANA service name (<= 15 of a-z, 0-9, '-', with a letter, no "--")`;
// CEL's cost estimate takes string(int) as unbounded and refuses chains of `+` on it: format() it.
const PORT_PROBLEM_CEL = `type(self) == int ? 'port %d is out of range 1..65535'.format([self]) : 'port name "%s" is invalid: want 1..65535 or an IANA service name (<= 15 of a-z, 0-9, \\'-\\', with a letter, no "--")'.format([self])`;

export const PortSchema = z
  .strictObject({
    // An integer, or a port name: a string of digits ("8080") is refused here and at admission,
    // as NetworkPolicy does (it would never match a container port).
    port: z
      .union([z.number().int(), z.string()], { error: 'must be of type integer or string' })
      .superRefine((port, ctx) => {
        const ok = typeof port === 'number' ? port >= 1 && port <= 65535 : isPortName(port);
        if (!ok) ctx.addIssue({ code: 'custom', message: portProblem(port) });
      })
      .meta({
        'x-kubernetes-int-or-string': true,
        maxLength: 15,
        'x-kubernetes-validations': [
          celExpr(
            `type(self) == int ? self >= 1 && self <= 65535 : ${portNameCel('self')}`,
            PORT_PROBLEM_CEL,
          ),
        ],
      })
      .describe('Port number (1..65535) or named container port of the destination pod.'),
    protocol: oneOf(PROTOCOLS).optional().describe('TCP (default), UDP or SCTP.'),
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
      ctx.addIssue({
        code: 'custom',
        path: ['endPort'],
        message: `endPort ${p.endPort} must be >= port ${p.port}`,
      });
  })
  .meta({
    'x-kubernetes-validations': [
      celExpr(
        '!has(self.endPort) || (type(self.port) == int && self.endPort >= self.port)',
        "type(self.port) != int ? 'requires a numeric port' : 'endPort %d must be >= port %d'.format([self.endPort, self.port])",
        '.endPort',
      ),
    ],
  })
  .describe('A port, or range of ports, of a flow.');

// --- endpoints ------------------------------------------------------------------------------------

const cidrProblem = (text: string) => `"${text}" is not an IPv4 or IPv6 CIDR (address/prefix-length)`;
const cidrText = z
  .string()
  .max(64)
  .superRefine((text, ctx) => {
    if (parseCidr(text) === undefined) ctx.addIssue({ code: 'custom', message: cidrProblem(text) });
  })
  .meta({
    'x-kubernetes-validations': [
      celExpr('isCIDR(self)', `'"' + self + '" is not an IPv4 or IPv6 CIDR (address/prefix-length)'`),
    ],
  });

// `namespace` is a form of its own, or the namespace of a `service` (then not counted as a form).
const FORM_KEYS = ['component', 'namespace', 'namespaceSelector', 'cidr', 'fqdn', 'service'] as const;
const NO_FORM =
  'must have exactly one of component, podSelector, namespace, namespaceSelector, cidr, fqdn, service';
const TWO_FORMS = 'must have exactly one endpoint form, found ';
const POD_SELECTOR_ALONE = 'goes alone or with namespace or namespaceSelector, not with ';
/** Forms podSelector cannot go with, in the order a message names them. */
const NOT_WITH_POD_SELECTOR = ['component', 'cidr', 'fqdn', 'service'] as const;
const hasFormCel = (k: (typeof FORM_KEYS)[number]) =>
  k === 'namespace' ? 'has(self.namespace) && !has(self.service)' : `has(self.${k})`;
/** The endpoint forms present, in FORM_KEYS order, as a CEL list of names. */
const FORMS_CEL = `(${FORM_KEYS.map((k) => `(${hasFormCel(k)} ? ['${k}'] : [])`).join(' + ')})`;
/** The forms present joined with ' and ', from literals only (CEL's cost estimate of join() is unbounded). */
const FORMS_FOUND_CEL = FORM_KEYS.map((k, i) => {
  const before = FORM_KEYS.slice(0, i).map((b) => `(${hasFormCel(b)})`);
  const prefix = before.length === 0 ? `'${k}'` : `(${before.join(' || ')} ? ' and ${k}' : '${k}')`;
  return `((${hasFormCel(k)}) ? ${prefix} : '')`;
}).join(' + ');
const POD_SELECTOR_WITH_CEL = NOT_WITH_POD_SELECTOR.slice(0, -1).reduceRight(
  (rest, k) => `(has(self.${k}) ? '${k}' : ${rest})`,
  `'${NOT_WITH_POD_SELECTOR[NOT_WITH_POD_SELECTOR.length - 1]}'`,
);

/** An exact DNS name as users write it: lowercase labels joined by dots, no trailing dot. */
const FQDN_SOURCE = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$';
const FQDN = new RegExp(FQDN_SOURCE);
const FQDN_WILDCARD = 'wildcards are not supported (yet): name each host exactly, e.g. api.payments.example';
const FQDN_LOWERCASE = 'must be lowercase: DNS names are written in lowercase here (exact match)';
const FQDN_FORMAT =
  "must be an exact DNS name: lowercase labels of a-z, 0-9, '-' (<= 63 chars each) joined by dots, <= 253 chars, no trailing dot";
const fqdnText = z
  .string()
  .max(253)
  .superRefine((name, ctx) => {
    if (name.includes('*')) ctx.addIssue({ code: 'custom', message: FQDN_WILDCARD });
    else if (name !== name.toLowerCase()) ctx.addIssue({ code: 'custom', message: FQDN_LOWERCASE });
    else if (!FQDN.test(name)) ctx.addIssue({ code: 'custom', message: FQDN_FORMAT });
  })
  .meta({
    'x-kubernetes-validations': [
      cel("!self.contains('*')", FQDN_WILDCARD),
      cel("self.contains('*') || self == self.lowerAscii()", FQDN_LOWERCASE),
      cel(
        `self.contains('*') || self != self.lowerAscii() || self.matches('${FQDN_SOURCE.replace(/\\/g, '\\\\')}')`,
        FQDN_FORMAT,
      ),
    ],
  });

/** Per except entry: true when it is a strict sub-block of cidr (or not a CIDR: its own rule says so). */
const EXCEPT_OK_CEL =
  'self.except.map(e, !isCIDR(e) || (cidr(self.cidr).containsCIDR(e) && cidr(e).prefixLength() > cidr(self.cidr).prefixLength()))';

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
    cidr: cidrText.optional().describe('Addresses outside the cluster (IPv4 or IPv6 CIDR).'),
    except: z
      .array(cidrText)
      .max(MAX_EXCEPT)
      .optional()
      .describe('Sub-blocks of cidr to leave out (cidr form only).'),
    fqdn: fqdnText
      .optional()
      .describe(
        'Egress only: what this exact DNS name resolves to (A, AAAA), kept current by the operator; no wildcards.',
      ),
    service: dnsLabel('service')
      .optional()
      .describe(
        'The pods behind this Service (its selector), in this namespace or in namespace; the flow ports name Service ports.',
      ),
  })
  .superRefine((e, ctx) => {
    const forms = FORM_KEYS.filter(
      (k) => e[k] !== undefined && !(k === 'namespace' && e.service !== undefined),
    );
    if (forms.length === 0 && e.podSelector === undefined) {
      ctx.addIssue({ code: 'custom', message: NO_FORM });
    } else if (forms.length > 1) {
      ctx.addIssue({ code: 'custom', message: `${TWO_FORMS}${forms.join(' and ')}` });
    }
    const withPodSelector = NOT_WITH_POD_SELECTOR.find((k) => e[k] !== undefined);
    if (e.podSelector !== undefined && withPodSelector !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['podSelector'],
        message: `${POD_SELECTOR_ALONE}${withPodSelector}`,
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
            message: `${text} is not a strict sub-block of cidr ${e.cidr}`,
          });
      });
    }
  })
  .meta({
    'x-kubernetes-validations': [
      celExpr(
        `${FORMS_CEL}.size() == 1 || (${FORMS_CEL}.size() == 0 && has(self.podSelector))`,
        `${FORMS_CEL}.size() == 0 ? '${NO_FORM}' : '${TWO_FORMS}' + ${FORMS_FOUND_CEL}`,
      ),
      celExpr(
        `!has(self.podSelector) || !(${NOT_WITH_POD_SELECTOR.map((k) => `has(self.${k})`).join(' || ')})`,
        `'${POD_SELECTOR_ALONE}' + ${POD_SELECTOR_WITH_CEL}`,
        '.podSelector',
      ),
      cel('!has(self.except) || has(self.cidr)', 'requires cidr', '.except'),
      // Rule on the endpoint (it needs cidr), so its message names the index: "except[1]: ...".
      celExpr(
        `!has(self.except) || !has(self.cidr) || !isCIDR(self.cidr) || ${EXCEPT_OK_CEL}.all(ok, ok)`,
        `'except[%d]: %s is not a strict sub-block of cidr %s'.format([${EXCEPT_OK_CEL}.indexOf(false), self.except[${EXCEPT_OK_CEL}.indexOf(false)], self.cidr])`,
        '.except',
      ),
    ],
  })
  .describe('One end of a flow, in exactly one form.');

// --- flows, components, spec ----------------------------------------------------------------------

const FQDN_EGRESS_ONLY =
  'fqdn is for egress only (to: {fqdn: NAME}): a DNS name says where traffic goes, not where it comes from';

export const FlowSchema = z
  .strictObject({
    from: EndpointSchema.describe('Where the traffic starts.'),
    to: EndpointSchema.describe('Where the traffic goes.'),
    ports: z
      .array(PortSchema)
      .max(MAX_PORTS)
      .optional()
      .describe('Destination ports; omitted or [] allows all ports and protocols.'),
  })
  .superRefine((f, ctx) => {
    if (f.from.component === undefined && f.to.component === undefined)
      ctx.addIssue({ code: 'custom', message: 'at least one side (from or to) must be a component' });
    if (f.from.fqdn !== undefined)
      ctx.addIssue({ code: 'custom', path: ['from', 'fqdn'], message: FQDN_EGRESS_ONLY });
  })
  .meta({
    'x-kubernetes-validations': [
      cel(
        'has(self.from.component) || has(self.to.component)',
        'at least one side (from or to) must be a component',
      ),
      cel('!has(self.from.fqdn)', FQDN_EGRESS_ONLY, '.from.fqdn'),
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

const SIDES = ['from', 'to'] as const;

/**
 * Every allow[].<side>.component names a component. The rule must sit on spec (it needs the
 * components), so its message starts with the first offending item's path and counts the others.
 */
function unknownComponentRule(side: (typeof SIDES)[number]): CelRule {
  const known = `self.components.exists(c, c.name == f.${side}.component)`;
  const oks = `self.allow.map(f, !has(f.${side}.component) || ${known})`;
  const first = `${oks}.indexOf(false)`;
  const more = `${oks}.filter(ok, !ok).size() - 1`;
  return celExpr(
    `!has(self.allow) || self.allow.all(f, !has(f.${side}.component) || ${known})`,
    `'spec.allow[%d].${side}.component: unknown component "%s"%s'.format([${first}, self.allow[${first}].${side}.component, ${more} > 0 ? ' (and %d more: apptrust validate lists them all)'.format([${more}]) : ''])`,
    '.allow',
  );
}

export const MODES = ['Enforce', 'Audit'] as const;
export const DIRECTIONS = ['Ingress', 'Egress'] as const;

export const SpecSchema = z
  .strictObject({
    mode: oneOf(MODES)
      .optional()
      .describe('Enforce (default) applies the policies; Audit only reports what it would apply.'),
    isolate: z
      .array(oneOf(DIRECTIONS))
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
    // Paths and words of the API server's list checks (list-type set and map).
    spec.isolate?.forEach((direction, i) => {
      if (spec.isolate?.indexOf(direction) !== i)
        ctx.addIssue({ code: 'custom', path: ['isolate', i], message: `Duplicate value: "${direction}"` });
    });
    const seen = new Map<string, number>();
    spec.components.forEach((c, i) => {
      const first = seen.get(c.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['components', i],
          message: `Duplicate value: component "${c.name}" (also spec.components[${first}])`,
        });
      else seen.set(c.name, i);
    });
    const fqdnNames = new Set(spec.allow?.flatMap((f) => (f.to.fqdn ? [f.to.fqdn] : [])));
    if (fqdnNames.size > MAX_FQDN_NAMES)
      ctx.addIssue({
        code: 'custom',
        path: ['allow'],
        message: `names ${fqdnNames.size} distinct DNS names (to.fqdn); at most ${MAX_FQDN_NAMES} per profile`,
      });
    spec.allow?.forEach((flow, i) => {
      for (const side of SIDES) {
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
  .meta({ 'x-kubernetes-validations': SIDES.map(unknownComponentRule) })
  .describe('The intent: components and the flows allowed between them and the outside.');

// --- status ---------------------------------------------------------------------------------------

export const MAX_CONDITIONS = 8;
export const MAX_CONDITION_MESSAGE = 32768;

export const ConditionSchema = z
  .object({
    type: z.string().max(316).describe('Type of condition, e.g. Ready.'),
    status: oneOf(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    reason: z.string().max(1024).describe('CamelCase reason for the last transition.'),
    message: z.string().max(MAX_CONDITION_MESSAGE).describe('Human-readable details.'),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('The spec generation this was computed from.'),
    lastTransitionTime: z
      .string()
      .max(64)
      .meta({ format: 'date-time' })
      .describe('When status last changed.'),
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

export const FqdnStatusSchema = z
  .object({
    name: z.string().max(253).describe('The DNS name, as in spec.allow[].to.fqdn.'),
    addresses: z
      .array(z.string().max(64))
      .max(MAX_FQDN_ADDRESSES)
      .optional()
      .describe(
        'The addresses rendered as /32 and /128 ipBlocks: the last good answers plus those within their grace period.',
      ),
    resolvedAt: z
      .string()
      .max(64)
      .meta({ format: 'date-time' })
      .optional()
      .describe('When the name was last resolved with an answer.'),
    expiresAt: z
      .string()
      .max(64)
      .meta({ format: 'date-time' })
      .optional()
      .describe('When that answer expires (its TTL, clamped): the name is resolved again then.'),
    error: z
      .string()
      .max(1024)
      .optional()
      .describe('Why the last resolution failed; the last good addresses stay in force meanwhile.'),
  })
  .describe('One DNS name of the profile and what it resolves to.');

export const StatusSchema = z
  .object({
    observedGeneration: z.number().int().min(0).optional().describe('The spec generation last reconciled.'),
    mode: oneOf(MODES).optional().describe('The effective mode (spec.mode or its default).'),
    policyCount: z.number().int().min(0).optional().describe('Number of entries in policies.'),
    policies: z
      .array(z.string().max(253))
      // One per component; twice that leaves room for a rename migration listing old and new names.
      .max(2 * MAX_COMPONENTS)
      .optional()
      .describe('Names of the owned NetworkPolicies (Audit: the ones that would be applied).'),
    conditions: z
      .array(ConditionSchema)
      .max(MAX_CONDITIONS)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .describe('Observations of the profile state; Ready tells whether the policies match the spec.'),
    audit: AuditSchema.optional().describe(
      'Audit mode only: what enforcing the spec would change. Nothing is applied while in Audit.',
    ),
    fqdn: z
      .array(FqdnStatusSchema)
      .max(MAX_FQDN_NAMES)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .describe('Each DNS name of spec.allow[].to.fqdn: its addresses, when resolved, when they expire.'),
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
export type FqdnStatus = z.infer<typeof FqdnStatusSchema>;
export type AppTrustProfile = z.infer<typeof AppTrustProfileSchema>;
export type Mode = (typeof MODES)[number];
export type Direction = (typeof DIRECTIONS)[number];
