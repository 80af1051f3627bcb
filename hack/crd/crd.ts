// Turns the zod schema into the CustomResourceDefinition. Kubernetes wants a *structural* schema:
// every node typed, no $ref, no additionalProperties beside properties, no anyOf carrying types,
// and (our choice, for clean GitOps diffs) no `default:` anywhere in spec.
import { z } from 'zod';
import {
  API_VERSION,
  GROUP,
  KIND,
  PLURAL,
  SpecSchema,
  StatusSchema,
  VERSION,
} from '../../src/api/v1alpha1/schema.js';

type JsonSchema = { [key: string]: unknown };

const DROPPED_KEYS = new Set(['$schema', 'propertyNames', 'default', 'id']);

/** Rewrites one JSON Schema node (recursively) into its structural OpenAPI v3 form. */
function toStructural(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYS.has(key)) continue;
    if (key === 'additionalProperties' && (value === false || node.properties !== undefined)) continue;
    if (key === 'anyOf' && node['x-kubernetes-int-or-string'] === true) continue; // CEL checks both branches
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toStructural(v)]),
      );
    } else if (
      (key === 'items' || key === 'additionalProperties') &&
      typeof value === 'object' &&
      value !== null
    ) {
      out[key] = toStructural(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function openApiOf(schema: z.ZodType): JsonSchema {
  return toStructural(
    z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', reused: 'inline' }) as JsonSchema,
  );
}

/** The complete CRD object for apptrustprofiles.apptrust.dev. */
export function appTrustProfileCrd(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: 'apptrustprofile',
        shortNames: ['atp'],
        categories: ['apptrust'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Mode', type: 'string', jsonPath: '.status.mode' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Policies', type: 'integer', jsonPath: '.status.policyCount' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            {
              name: 'Reason',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
              priority: 1,
            },
            // A printer column's JSONPath cannot compare two fields (a filter sees one list item;
            // `$` is that item, not the object), so "Ready is stale" cannot be a column value:
            // `-o wide` shows the generation the Ready condition was computed from beside the
            // current one; they differ while the operator has not seen the latest spec.
            {
              name: 'Generation',
              type: 'integer',
              jsonPath: '.metadata.generation',
              priority: 1,
            },
            {
              name: 'Observed',
              type: 'integer',
              jsonPath: '.status.conditions[?(@.type=="Ready")].observedGeneration',
              priority: 1,
            },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: `AppTrustProfile (${API_VERSION}) declares which flows the components of an application may have; the operator renders and owns the matching NetworkPolicies.`,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'APIVersion of this object.' },
                kind: { type: 'string', description: 'Kind of this object.' },
                metadata: { type: 'object' },
                spec: openApiOf(SpecSchema),
                status: openApiOf(StatusSchema),
              },
            },
          },
        },
      ],
    },
  };
}
