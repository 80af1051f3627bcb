// The /metrics filter's decisions without an API server: what it asks (TokenReview, then a
// SubjectAccessReview for the path), what it answers, and that a decision is reused for a while.
import { RequestAuthorizer } from '../../../src/kube/request-authorizer.js';
import type { KubeRest, RequestSpec } from '../../../src/kube/rest.js';

function fakeApi(users: Record<string, { name: string; allowed: boolean }>) {
  const asked: string[] = [];
  const rest = {
    async request(spec: RequestSpec) {
      const body = spec.body as { spec: { token?: string; user?: string; nonResourceAttributes?: unknown } };
      asked.push(spec.path.split('/').pop() as string);
      expect(spec.unfenced).toBe(true); // reviews change nothing: a fenced replica still answers scrapes
      if (spec.path.endsWith('tokenreviews')) {
        const user = users[body.spec.token as string];
        return {
          status: user ? { authenticated: true, user: { username: user.name } } : { authenticated: false },
        };
      }
      expect(body.spec.nonResourceAttributes).toEqual({ path: '/metrics', verb: 'get' });
      const user = Object.values(users).find((u) => u.name === body.spec.user);
      return { status: { allowed: user?.allowed ?? false } };
    },
  } as unknown as KubeRest;
  return { rest, asked };
}

it('401 without a bearer token or with one the API server rejects, 403 without the right, else allowed', async () => {
  const { rest } = fakeApi({
    good: { name: 'prometheus', allowed: true },
    weak: { name: 'viewer', allowed: false },
  });
  const authorizer = new RequestAuthorizer(rest);
  expect(await authorizer.check(undefined, '/metrics')).toMatchObject({ allowed: false, status: 401 });
  expect(await authorizer.check('Basic Zm9vOmJhcg==', '/metrics')).toMatchObject({
    allowed: false,
    status: 401,
  });
  expect(await authorizer.check('Bearer nope', '/metrics')).toMatchObject({ allowed: false, status: 401 });
  expect(await authorizer.check('Bearer weak', '/metrics')).toMatchObject({ allowed: false, status: 403 });
  expect(await authorizer.check('Bearer good', '/metrics')).toEqual({ allowed: true, user: 'prometheus' });
});

it('reuses a decision (allowed 1 min, denied 10 s), then asks again', async () => {
  const { rest, asked } = fakeApi({ good: { name: 'prometheus', allowed: true } });
  let now = 0;
  const authorizer = new RequestAuthorizer(rest, () => now);
  await authorizer.check('Bearer good', '/metrics');
  await authorizer.check('Bearer good', '/metrics');
  expect(asked).toEqual(['tokenreviews', 'subjectaccessreviews']);
  now = 61_000;
  await authorizer.check('Bearer good', '/metrics');
  expect(asked).toHaveLength(4);
  await authorizer.check('Bearer bad', '/metrics');
  now += 5_000;
  await authorizer.check('Bearer bad', '/metrics');
  expect(asked).toHaveLength(5); // denied and cached
  now += 6_000;
  await authorizer.check('Bearer bad', '/metrics');
  expect(asked).toHaveLength(6);
});
