// A tenant of one namespace: the built-in `admin` ClusterRole bound to a user in that namespace only
// (the role is filled by the controller manager's aggregation: callers wait until it applies).
import type { KubeRest } from '../../src/kube/rest.js';

export async function bindTenantAdmin(rest: KubeRest, ns: string, user: string): Promise<void> {
  await rest.apply(
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/tenant-admin`,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'tenant-admin', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
    'apptrust-test',
  );
}
