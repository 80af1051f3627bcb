// The shared validation table through the CLI (`apptrust validate -f -`, in-process): YAML read as
// kubectl reads it, then the zod schema. test/integration/validation-table.test.ts runs the same
// table through the API server; both must give the verdict and the paths the table states.
import { caseYaml, cliVerdict, VALIDATION_CASES } from '../../helpers/validation-cases.js';

describe('validation table through the CLI', () => {
  it.each(VALIDATION_CASES.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    const got = await cliVerdict(caseYaml(c, 'shop'));
    if (c.invalid === undefined) expect(got).toMatchObject({ code: 0, lines: [] });
    else expect({ code: got.code, paths: got.paths }).toEqual({ code: 1, paths: c.invalid });
  });
});
