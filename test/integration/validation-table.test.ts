// The shared validation table through the real API server (CRD schema + CEL rules): each case is
// sent as kubectl sends it (the YAML document, strict field validation), as a dry run. The verdict
// and the field paths must be the table's, i.e. the CLI's (test/unit/api/validation-table.test.ts).
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { profiles } from '../../src/kube/paths.js';
import { createNamespace, deleteNamespace, testKubeConfig, testRest } from '../helpers/cluster.js';
import { caseYaml, cliVerdict, VALIDATION_CASES } from '../helpers/validation-cases.js';

interface Cause {
  field?: string;
  message?: string;
}
interface Status {
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: Cause[] };
}

let kc: KubeConfig;
let ns: string;
const rest = testRest();

beforeAll(async () => {
  kc = testKubeConfig();
  ns = await createNamespace(rest, 'table');
});
afterAll(async () => {
  await deleteNamespace(rest, ns);
  rest.close();
});

/** POSTs a YAML document with kubectl's defaults (strict field validation), as a dry run. */
async function createYaml(text: string): Promise<{ status: number; body: Status }> {
  const url = new URL(`${profiles(ns)}?dryRun=All&fieldValidation=Strict`, kc.getCurrentCluster()?.server);
  const options: RequestOptions = { method: 'POST', headers: { 'Content-Type': 'application/yaml' } };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
      );
    });
    req.on('error', reject);
    req.end(text);
  });
}

/**
 * The item a cause is about. A CEL rule reports at a fixed field; where the item is deeper, our
 * messageExpressions start with its path: absolute (`spec.allow[0].to.component: ...`) or the
 * field's last step with an index (`except[1]: ...`).
 */
function itemPath(cause: Cause): string {
  const field = cause.field ?? '';
  const message = cause.message ?? '';
  const absolute = message.match(/(?:^|: )(spec\.[^\s:]+): /);
  if (absolute?.[1]) return absolute[1];
  const last = field.split('.').pop() ?? '';
  const relative = message.match(new RegExp(`(?:^|: )${last}((?:\\[\\d+\\])+): `));
  if (relative?.[1]) return field + relative[1];
  return field;
}

const OPENAPI_WORDING = /in body|Unsupported value|Required value|Too many|Too long|Duplicate value|RFC 1123/;

/** The message of a CEL rule's cause without the "Invalid value: ..." and item-path prefixes. */
function ruleMessage(cause: Cause): string {
  const message = (cause.message ?? '').replace(/^Invalid value: "[^"]*": /, '');
  return message.replace(/^(spec\.[^\s:]+|[a-zA-Z]+(\[\d+\])+): /, '');
}

const sortPaths = (paths: string[]) =>
  [...new Set(paths)].sort((a, b) => {
    const key = (p: string) => p.replace(/\[(\d+)\]/g, (_, n: string) => `[${n.padStart(6, '0')}]`);
    return key(a) < key(b) ? -1 : 1;
  });

describe('validation table through the API server (CRD schema + CEL)', () => {
  it.each(VALIDATION_CASES.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    const text = caseYaml(c, ns);
    const { status, body } = await createYaml(text);
    // "some validation rules were not checked because the object was invalid" is a note, not a problem.
    const causes = (body.details?.causes ?? []).filter(
      (cause) => !cause.message?.includes('were not checked'),
    );
    // Strict decoding (BadRequest) lists unknown fields in its message only.
    const unknownFields = [...(body.message ?? '').matchAll(/unknown field "([^"]+)"/g)].map(
      (m) => m[1] ?? '',
    );
    const apiPaths = sortPaths([...causes.map(itemPath), ...unknownFields]);
    const cli = await cliVerdict(text);
    if (c.invalid === undefined) {
      expect({ status, message: body.message }).toEqual({ status: 201, message: undefined });
      expect(cli.code).toBe(0);
    } else {
      expect({ status, reason: body.reason }).toEqual({
        status: expect.any(Number),
        reason: expect.stringMatching(/^(Invalid|BadRequest)$/),
      });
      expect({ message: body.message, paths: apiPaths }).toEqual({
        message: body.message,
        paths: c.invalid,
      });
      expect(cli.paths).toEqual(c.invalid);
      // Our CEL rules (not the OpenAPI checks, which the API server words itself) say what the CLI says.
      const cliMessages = cli.lines.map((line) => line.split(': ').slice(3).join(': '));
      for (const cause of causes.filter((x) => x.message && !OPENAPI_WORDING.test(x.message)))
        expect(cliMessages).toContain(ruleMessage(cause));
    }
  });
});
