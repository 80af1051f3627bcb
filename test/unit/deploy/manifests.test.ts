// The deploy manifests as users apply them: `kubectl kustomize config/default` (and samples,
// argocd), the generated RBAC, and the Helm chart rendering the same objects.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { helmRbacYaml, rbacYaml } from '../../../hack/rbac/rbac-yaml.js';
import { PLURAL } from '../../../src/api/v1alpha1/index.js';
import { validateProfile } from '../../../src/compiler/index.js';
import { parseOptions } from '../../../src/config.js';
import {
  AUDIT_EVIDENCE_RULES,
  CLUSTER_SCOPED_RULES,
  MARKER_RULES,
  METRICS_AUTH_RULES,
  METRICS_READER_RULES,
  NAMESPACED_RULES,
} from '../../../src/kube/rbac.js';
import { describeIf } from '../../helpers/skip.js';
import { findTool, runTool } from '../../helpers/tools.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CHART = join(ROOT, 'config', 'helm', 'apptrust-operator');
const kubectl = findTool('kubectl');
const helm = findTool('helm');
if (!kubectl) console.warn('kubectl not found: the kustomize tests are skipped (run `make tools`)');
if (!helm) console.warn('helm not found: the Helm chart tests are skipped (run `make tools`)');
const withKubectl = describeIf(kubectl, 'kubectl not found (run make tools)');
const withHelm = describeIf(kubectl && helm, 'helm or kubectl not found (run make tools)');

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML
type Manifest = Record<string, any>;
const parseAll = (text: string): Manifest[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
const kustomize = (dir: string) =>
  parseAll(runTool(kubectl as string, ['kustomize', join(ROOT, 'config', dir)]));
const keyOf = (m: Manifest) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
const byKind = (objects: Manifest[], kind: string) => objects.filter((o) => o.kind === kind);

describe('generated RBAC', () => {
  it('config/rbac/role.yaml and the chart template are what `make manifests` writes', () => {
    expect(readFileSync(join(ROOT, 'config', 'rbac', 'role.yaml'), 'utf8')).toBe(rbacYaml());
    expect(readFileSync(join(CHART, 'templates', 'role.yaml'), 'utf8')).toBe(helmRbacYaml());
  });
});

withKubectl('config/default (kubectl kustomize)', () => {
  const objects = kustomize('default');

  it('renders exactly the namespace, CRDs, RBAC, Deployment, metrics Service and admission gate', () => {
    expect(objects.map(keyOf).sort()).toEqual(
      [
        ...[
          'apptrust-baseline-gate',
          'apptrust-baseline-marker-guard',
          'apptrust-baseline-exemption',
          'apptrust-baseline-guard',
          'apptrust-baseline-record-guard',
        ].flatMap((name) => [
          `ValidatingAdmissionPolicy//${name}`,
          `ValidatingAdmissionPolicyBinding//${name}`,
        ]),
        'ClusterRole//apptrust-baseline-exemption-editor',
        'ClusterRole//apptrust-operator-namespace-marker',
        'ClusterRoleBinding//apptrust-operator-namespace-marker',
        'ClusterRole//apptrust-profile-editor',
        'ClusterRole//apptrust-profile-viewer',
        'Role/apptrust-system/apptrust-operator-baseline-record',
        'RoleBinding/apptrust-system/apptrust-operator-baseline-record',
        'ClusterRole//apptrust-operator',
        'ClusterRoleBinding//apptrust-operator',
        'ClusterRole//apptrust-operator-audit-evidence',
        'ClusterRoleBinding//apptrust-operator-audit-evidence',
        'ClusterRole//apptrust-operator-metrics-auth',
        'ClusterRoleBinding//apptrust-operator-metrics-auth',
        'ClusterRole//apptrust-metrics-reader',
        'NetworkPolicy/apptrust-system/apptrust-operator',
        'PodDisruptionBudget/apptrust-system/apptrust-operator',
        'PriorityClass//apptrust-operator-critical',
        `CustomResourceDefinition//${PLURAL}.apptrust.dev`,
        'CustomResourceDefinition//baselinerecords.apptrust.dev',
        'Deployment/apptrust-system/apptrust-operator',
        'Namespace//apptrust-system',
        'Role/apptrust-system/apptrust-operator-leader-election',
        'RoleBinding/apptrust-system/apptrust-operator-leader-election',
        'Service/apptrust-system/apptrust-operator-metrics',
        'ServiceAccount/apptrust-system/apptrust-operator',
      ].sort(),
    );
  });

  it('grants nothing on Secrets, only list/watch on Pods and Services, nothing on any other resource, and no wildcard', () => {
    // The operator's roles (and the metrics reader): not the roles shipped for tenants and admins.
    const forUsers = [
      'apptrust-profile-editor',
      'apptrust-profile-viewer',
      'apptrust-baseline-exemption-editor',
    ];
    const operatorRoles = [...byKind(objects, 'ClusterRole'), ...byKind(objects, 'Role')].filter(
      (r) => !forUsers.includes(r.metadata.name),
    );
    const all = operatorRoles.flatMap((r) => r.rules);
    // The metrics reader's one rule is a path, not a resource (bound to the scraper, not to us).
    expect(all.filter((r: Manifest) => r.nonResourceURLs)).toEqual([
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
    const rules = all.filter((r: Manifest) => !r.nonResourceURLs);
    const resources = rules.flatMap((r: Manifest) => r.resources as string[]).sort();
    expect(resources).toEqual(
      [
        'baselinerecords',
        'baselinerecords',
        'apptrustprofiles',
        'apptrustprofiles/finalizers',
        'apptrustprofiles/status',
        'events',
        'leases',
        'leases',
        'namespaces',
        'namespaces',
        'subjectaccessreviews',
        'tokenreviews',
        'networkpolicies',
        'pods',
        'services',
      ].sort(),
    );
    // Pods: read for Audit's evidence; Services: what service endpoints render from. Never written.
    for (const rule of rules.filter((r: Manifest) =>
      (r.resources as string[]).some((x) => x === 'pods' || x === 'services'),
    ))
      expect(rule.verbs).toEqual(['list', 'watch']);
    for (const rule of rules) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.apiGroups).not.toContain('*');
      // The record: create (cannot be narrowed), everything else on apptrust-baseline only.
      if (rule.resources.includes('baselinerecords'))
        expect(rule.verbs.includes('create') || rule.resourceNames?.join() === 'apptrust-baseline').toBe(
          true,
        );
      // The Lease: create (cannot be narrowed), get and update on the default lease name only.
      else if (rule.resources.includes('leases'))
        expect(rule.verbs.join() === 'create' || rule.resourceNames?.join() === 'apptrust-operator').toBe(
          true,
        );
      else expect(rule.resourceNames).toBeUndefined();
      // Reviews (who scrapes /metrics) are only ever created.
      if (rule.resources.some((r: string) => r.endsWith('reviews'))) expect(rule.verbs).toEqual(['create']);
    }
    // Leases and the record only in the operator's namespace: a Role, never the ClusterRole.
    expect(JSON.stringify(byKind(objects, 'ClusterRole'))).not.toContain('leases');
    expect(JSON.stringify(byKind(objects, 'ClusterRole'))).not.toContain('baselinerecords');
    // namespaces patch (the marker) only in the role that ships with the marker guard.
    const patchers = operatorRoles.filter((r) =>
      r.rules.some(
        (rule: Manifest) => rule.resources?.includes('namespaces') && rule.verbs.includes('patch'),
      ),
    );
    expect(patchers.map((r) => r.metadata.name)).toEqual(['apptrust-operator-namespace-marker']);
  });

  it('the admission gate reads the baseline record of the operator namespace; the guard names its ServiceAccount', () => {
    const bindings = byKind(objects, 'ValidatingAdmissionPolicyBinding');
    const gate = bindings.find((b) => b.metadata.name === 'apptrust-baseline-gate') as Manifest;
    expect(gate.spec.paramRef).toEqual({
      name: 'apptrust-baseline',
      namespace: 'apptrust-system',
      parameterNotFoundAction: 'Allow',
    });
    const guard = byKind(objects, 'ValidatingAdmissionPolicy').find(
      (p) => p.metadata.name === 'apptrust-baseline-marker-guard',
    ) as Manifest;
    expect(JSON.stringify(guard.spec.variables)).toContain(
      "'system:serviceaccount:apptrust-system:apptrust-operator'",
    );
  });

  it('binds the roles to the operator ServiceAccount in apptrust-system', () => {
    for (const binding of [...byKind(objects, 'ClusterRoleBinding'), ...byKind(objects, 'RoleBinding')])
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'apptrust-operator', namespace: 'apptrust-system' },
      ]);
  });

  it('runs two hardened replicas with leader election and probes, with flags the operator accepts', () => {
    const [deployment] = byKind(objects, 'Deployment') as [Manifest];
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers as [Manifest];
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.serviceAccountName).toBe('apptrust-operator');
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'probes' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'probes' });
    const options = parseOptions(container.args, { POD_NAMESPACE: 'apptrust-system' });
    expect(options).toMatchObject({
      leaderElect: true,
      operatorNamespace: 'apptrust-system',
      leaseNamespace: 'apptrust-system',
      probeAddress: ':8081',
      metricsAddress: ':8080',
    });
    expect(container.env).toContainEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
  });

  it('protects its own namespace: a NetworkPolicy, a PodDisruptionBudget and a priority class', () => {
    const [policy] = byKind(objects, 'NetworkPolicy') as [Manifest];
    expect(policy.spec.podSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'apptrust-operator' },
    });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // /metrics only from the monitoring namespace; the probe port open (the kubelet, from the node).
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
      { ports: [{ port: 8081, protocol: 'TCP' }] },
    ]);
    expect(policy.spec.egress.map((r: Manifest) => r.ports)).toEqual([
      [
        { port: 443, protocol: 'TCP' },
        { port: 6443, protocol: 'TCP' },
      ],
      [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    ]);
    const [pdb] = byKind(objects, 'PodDisruptionBudget') as [Manifest];
    expect(pdb.spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'apptrust-operator' } },
    });
    const [deployment] = byKind(objects, 'Deployment') as [Manifest];
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.priorityClassName).toBe('apptrust-operator-critical');
    expect(byKind(objects, 'PriorityClass')[0]?.value).toBe(1_000_000);
    // /metrics is served behind authentication and authorization (the flag's default).
    expect(parseOptions(deployment.spec.template.spec.containers[0].args, {}).metricsSecure).toBe(true);
  });

  it('the component without-audit-evidence drops the pods RBAC and turns the flag off, together', () => {
    const overlay = mkdtempSync(join(tmpdir(), 'apptrust-overlay-'));
    try {
      const from = (dir: string) => relative(overlay, join(ROOT, 'config', dir));
      writeFileSync(
        join(overlay, 'kustomization.yaml'),
        `resources: [${from('default')}]\ncomponents: [${from('components/without-audit-evidence')}]\n`,
      );
      const without = parseAll(runTool(kubectl as string, ['kustomize', overlay]));
      const grantsPods = (list: Manifest[]) =>
        [...byKind(list, 'ClusterRole'), ...byKind(list, 'Role')].some((r) =>
          r.rules.some((rule: Manifest) => rule.resources?.includes('pods')),
        );
      const args = (list: Manifest[]) => byKind(list, 'Deployment')[0]?.spec.template.spec.containers[0].args;
      expect(grantsPods(objects)).toBe(true);
      expect(parseOptions(args(objects), {}).auditEvidence).toBe(true);
      expect(grantsPods(without)).toBe(false);
      expect(without.map(keyOf)).not.toContain('ClusterRoleBinding//apptrust-operator-audit-evidence');
      expect(parseOptions(args(without), {}).auditEvidence).toBe(false);
    } finally {
      rmSync(overlay, { recursive: true, force: true });
    }
  });

  it('leaves --baseline at its default, so `kubectl set env ... APPTRUST_BASELINE=false` rolls back (README: Uninstall)', () => {
    const [deployment] = byKind(objects, 'Deployment') as [Manifest];
    const args = deployment.spec.template.spec.containers[0].args as string[];
    expect(parseOptions(args, {}).baseline).toBe(true);
    expect(parseOptions(args, { APPTRUST_BASELINE: 'false' }).baseline).toBe(false);
  });

  it('keeps the spec of profiles free of API server defaults (GitOps: live spec = Git)', () => {
    const crd = byKind(objects, 'CustomResourceDefinition').find(
      (c) => c.metadata.name === `${PLURAL}.apptrust.dev`,
    ) as Manifest;
    for (const version of crd.spec.versions)
      expect(JSON.stringify(version.schema.openAPIV3Schema.properties.spec)).not.toMatch(/"default":/);
  });

  it('make deploy sets the image from IMG=name:tag and refuses an IMG without a tag', () => {
    // KUBECTL=true: the target writes its overlay and "applies" nothing; the overlay is rendered here.
    const deployDir = join(ROOT, '.cache', 'deploy-test');
    const make = (img: string) =>
      spawnSync(
        'make',
        ['--no-print-directory', 'deploy', `IMG=${img}`, 'KUBECTL=true', `DEPLOY_DIR=${deployDir}`],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
    expect(make('team/apptrust:v9').status).toBe(0);
    const rendered = parseAll(runTool(kubectl as string, ['kustomize', deployDir]));
    const [deployment] = byKind(rendered, 'Deployment') as [Manifest];
    expect(deployment.spec.template.spec.containers[0].image).toBe('team/apptrust:v9');
    expect(rendered.map(keyOf).sort()).toEqual(objects.map(keyOf).sort());
    const untagged = make('team/apptrust');
    expect(untagged.status).not.toBe(0);
    expect(untagged.stderr).toContain('IMG must be NAME:TAG');
  });

  it('make uninstall and make undeploy delete the admission policies (and the lock) before anything else', () => {
    for (const target of ['uninstall', 'undeploy']) {
      const run = spawnSync('make', ['--no-print-directory', target, 'KUBECTL=echo'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(run.status).toBe(0);
      const deleted = run.stdout
        .split('\n')
        .filter((l) => l.startsWith('delete'))
        .map((l) => l.split(' -k ')[1]);
      expect([target, deleted.slice(0, 2)]).toEqual([target, ['config/admission/lock', 'config/admission']]);
      expect(deleted.length).toBe(3);
    }
  });

  it('config/samples holds the classic scenarios, each a valid profile in a namespace it creates', () => {
    const samples = kustomize('samples');
    const profiles = samples.filter((o) => o.kind === 'AppTrustProfile');
    const namespaces = new Set(byKind(samples, 'Namespace').map((n) => n.metadata.name));
    expect(profiles.map((p) => p.metadata.name).sort()).toEqual(
      ['clinic', 'exporter', 'lockdown', 'payments', 'shop'].sort(),
    );
    for (const profile of profiles) {
      expect(validateProfile(profile).ok).toBe(true);
      expect(namespaces.has(profile.metadata.namespace)).toBe(true);
    }
  });

  it('config/argocd adds only the health check key to argocd-cm', () => {
    const [configMap, ...rest] = kustomize('argocd');
    expect(rest).toEqual([]);
    expect(configMap?.metadata).toMatchObject({ name: 'argocd-cm', namespace: 'argocd' });
    expect(Object.keys(configMap?.data)).toEqual([
      'resource.customizations.health.apptrust.dev_AppTrustProfile',
    ]);
  });

  it('config/operator alone grants no namespaces patch; config/admission grants it with the marker guard', () => {
    const patches = (objects: Manifest[]) =>
      byKind(objects, 'ClusterRole').filter((r) =>
        r.rules.some(
          (rule: Manifest) => rule.resources?.includes('namespaces') && rule.verbs.includes('patch'),
        ),
      );
    expect(patches(kustomize('operator'))).toEqual([]);
    const admission = kustomize('admission');
    expect(patches(admission).map((r) => [r.metadata.name, r.rules])).toEqual([
      ['apptrust-operator-namespace-marker', MARKER_RULES],
    ]);
    expect(admission.map((o) => o.metadata.name)).toContain('apptrust-baseline-marker-guard');
  });

  it('admission objects carry Argo CD sync wave 1: created after, pruned before the CRDs and the operator', () => {
    const policies = objects.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy'));
    expect(policies.length).toBeGreaterThan(0);
    for (const p of [...policies, ...kustomize('admission/lock')])
      expect([p.metadata.name, p.metadata.annotations?.['argocd.argoproj.io/sync-wave']]).toEqual([
        p.metadata.name,
        '1',
      ]);
    for (const o of objects.filter((x) => !x.kind.startsWith('ValidatingAdmissionPolicy')))
      expect(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0').toBe('0');
  });

  it('tenant roles are aggregated into admin/edit (profiles) and view (read only); neither grants the exemption', () => {
    const role = (name: string) =>
      byKind(objects, 'ClusterRole').find((r) => r.metadata.name === name) as Manifest;
    const editor = role('apptrust-profile-editor');
    const viewer = role('apptrust-profile-viewer');
    expect(editor.metadata.labels).toMatchObject({
      'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
      'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
    });
    expect(viewer.metadata.labels['rbac.authorization.k8s.io/aggregate-to-view']).toBe('true');
    expect(viewer.metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit']).toBeUndefined();
    expect(viewer.rules.flatMap((r: Manifest) => r.verbs).sort()).toEqual(['get', 'get', 'list', 'watch']);
    expect(JSON.stringify([editor, viewer])).not.toContain('baselineexemptions');
    expect(role('apptrust-baseline-exemption-editor').rules).toEqual([
      { apiGroups: ['apptrust.dev'], resources: ['baselineexemptions'], verbs: ['update'] },
    ]);
    expect(
      role('apptrust-baseline-exemption-editor').metadata.labels?.[
        'rbac.authorization.k8s.io/aggregate-to-admin'
      ],
    ).toBeUndefined();
  });
});

withHelm('Helm chart config/helm/apptrust-operator', () => {
  const template = (...set: string[]) =>
    parseAll(
      runTool(helm as string, [
        'template',
        'apptrust-operator',
        CHART,
        '--namespace',
        'apptrust-system',
        '--include-crds',
        ...set.flatMap((s) => ['--set', s]),
      ]),
    );
  // Helm's own bookkeeping labels are the only difference allowed.
  const withoutHelmLabels = (m: Manifest): Manifest => {
    const copy = structuredClone(m);
    delete copy.metadata.labels?.['helm.sh/chart'];
    delete copy.metadata.labels?.['app.kubernetes.io/managed-by'];
    return copy;
  };
  const sorted = (objects: Manifest[]) => [...objects].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

  it('passes helm lint', () => {
    expect(runTool(helm as string, ['lint', CHART])).toContain('0 chart(s) failed');
  });

  it('renders the objects of config/default with its default values (the namespace comes from Helm)', () => {
    const fromKustomize = kustomize('default').filter((o) => o.kind !== 'Namespace');
    expect(sorted(template().map(withoutHelmLabels))).toEqual(sorted(fromKustomize));
  });

  it('with watchNamespaces, narrows RBAC to Roles in those namespaces (only namespaces stay cluster-wide)', () => {
    const objects = template('watchNamespaces={shop,payments}');
    const clusterRoles = byKind(objects, 'ClusterRole');
    const clusterRole = clusterRoles.find((r) => r.metadata.name === 'apptrust-operator') as Manifest;
    // Tenants' and admins' roles (aggregated, the exemption) and the marker's (with the gate) aside.
    const aside = [
      'apptrust-operator',
      'apptrust-profile-editor',
      'apptrust-profile-viewer',
      'apptrust-baseline-exemption-editor',
      'apptrust-operator-namespace-marker',
    ];
    const others = clusterRoles.filter((r) => !aside.includes(r.metadata.name));
    expect(clusterRole.rules).toEqual(CLUSTER_SCOPED_RULES);
    // Besides namespaces, only what is cluster-wide by nature: token and access reviews, /metrics.
    expect(others.map((r) => [r.metadata.name, r.rules])).toEqual([
      ['apptrust-operator-metrics-auth', METRICS_AUTH_RULES],
      ['apptrust-metrics-reader', METRICS_READER_RULES],
    ]);
    const roles = byKind(objects, 'Role').filter((r) => r.metadata.namespace !== 'apptrust-system');
    expect(roles.map((r) => [r.metadata.namespace, r.rules])).toEqual([
      ['shop', NAMESPACED_RULES],
      ['shop', AUDIT_EVIDENCE_RULES],
      ['payments', NAMESPACED_RULES],
      ['payments', AUDIT_EVIDENCE_RULES],
    ]);
    const bindings = byKind(objects, 'RoleBinding').filter((b) =>
      ['shop', 'payments'].includes(b.metadata.namespace),
    );
    expect(bindings.map((b) => [b.metadata.namespace, b.roleRef.name, b.subjects])).toEqual(
      ['shop', 'payments'].flatMap((ns) =>
        ['apptrust-operator', 'apptrust-operator-audit-evidence'].map((role) => [
          ns,
          role,
          [{ kind: 'ServiceAccount', name: 'apptrust-operator', namespace: 'apptrust-system' }],
        ]),
      ),
    );
  });

  it('turns values for image, replicas, resources, baseline and watched namespaces into the Deployment', () => {
    const [deployment] = byKind(
      template(
        'image.repository=team/apptrust',
        'image.tag=v9',
        'replicaCount=3',
        'resources.limits.memory=1Gi',
        'baseline.exclude={legacy,sandbox}',
        'baseline.allowDNS=true',
        'watchNamespaces={shop,payments}',
      ),
      'Deployment',
    ) as [Manifest];
    const [container] = deployment.spec.template.spec.containers as [Manifest];
    expect(deployment.spec.replicas).toBe(3);
    expect(container.image).toBe('team/apptrust:v9');
    expect(container.resources.limits.memory).toBe('1Gi');
    expect(parseOptions(container.args, {})).toMatchObject({
      baseline: true,
      baselineExclude: ['legacy', 'sandbox'],
      baselineAllowDNS: true,
      watchNamespaces: ['shop', 'payments'],
    });
    const disabled = byKind(template('baseline.enabled=false'), 'Deployment')[0] as Manifest;
    expect(parseOptions(disabled.spec.template.spec.containers[0].args, {}).baseline).toBe(false);
    const existing = byKind(template('baseline.existing=true'), 'Deployment')[0] as Manifest;
    expect(parseOptions(existing.spec.template.spec.containers[0].args, {}).baselineExisting).toBe(true);
  });

  it('auditEvidence.enabled=false drops the pods RBAC and turns the flag off, together (also with watchNamespaces)', () => {
    const grantsPods = (list: Manifest[]) =>
      [...byKind(list, 'ClusterRole'), ...byKind(list, 'Role')].some((r) =>
        r.rules.some((rule: Manifest) => rule.resources?.includes('pods')),
      );
    const args = (list: Manifest[]) => byKind(list, 'Deployment')[0]?.spec.template.spec.containers[0].args;
    for (const scope of [[], ['watchNamespaces={shop}']]) {
      const on = template(...scope);
      const off = template(...scope, 'auditEvidence.enabled=false');
      expect(grantsPods(on)).toBe(true);
      expect(parseOptions(args(on), {}).auditEvidence).toBe(true);
      expect(grantsPods(off)).toBe(false);
      expect(off.map(keyOf).filter((k) => k.includes('audit-evidence'))).toEqual([]);
      expect(parseOptions(args(off), {}).auditEvidence).toBe(false);
    }
    const scoped = template('watchNamespaces={shop}');
    expect(byKind(scoped, 'RoleBinding').map(keyOf)).toContain(
      'RoleBinding/shop/apptrust-operator-audit-evidence',
    );
  });

  it('metrics.certSecret mounts the certificate and serves /metrics over HTTPS; metrics.secure=false turns the check off', () => {
    const [deployment] = byKind(template('metrics.certSecret=apptrust-metrics-tls'), 'Deployment') as [
      Manifest,
    ];
    const pod = deployment.spec.template.spec;
    expect(parseOptions(pod.containers[0].args, {})).toMatchObject({
      metricsCertDir: '/etc/apptrust/metrics-certs',
      metricsSecure: true,
    });
    expect(pod.volumes).toEqual([{ name: 'metrics-certs', secret: { secretName: 'apptrust-metrics-tls' } }]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'metrics-certs', mountPath: '/etc/apptrust/metrics-certs', readOnly: true },
    ]);
    const [open] = byKind(template('metrics.secure=false'), 'Deployment') as [Manifest];
    expect(parseOptions(open.spec.template.spec.containers[0].args, {}).metricsSecure).toBe(false);
  });

  it('renders the operator NetworkPolicy, PodDisruptionBudget and priority class from values', () => {
    const objects = template(
      'networkPolicy.monitoringNamespace=observability',
      'networkPolicy.apiServerCIDRs={10.96.0.1/32}',
      'podDisruptionBudget.minAvailable=2',
    );
    const [policy] = byKind(objects, 'NetworkPolicy') as [Manifest];
    expect(policy.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } },
    ]);
    expect(policy.spec.egress[0].to).toEqual([{ ipBlock: { cidr: '10.96.0.1/32' } }]);
    expect(byKind(objects, 'PodDisruptionBudget')[0]?.spec.minAvailable).toBe(2);
    const bare = template(
      'networkPolicy.enabled=false',
      'podDisruptionBudget.enabled=false',
      'priorityClass.create=false',
      'priorityClass.name=',
    );
    expect(bare.map((o) => o.kind)).not.toEqual(expect.arrayContaining(['NetworkPolicy']));
    expect(byKind(bare, 'PodDisruptionBudget')).toEqual([]);
    expect(byKind(bare, 'PriorityClass')).toEqual([]);
    expect(byKind(bare, 'Deployment')[0]?.spec.template.spec.priorityClassName).toBeUndefined();
  });

  it('renders the admission gate unless baseline.admissionGate or baseline.enabled is false', () => {
    const admission = (objects: Manifest[]) =>
      objects.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy')).map(keyOf);
    expect(admission(template())).toHaveLength(10);
    expect(admission(template('baseline.admissionGate=false'))).toEqual([]);
    expect(admission(template('baseline.enabled=false'))).toEqual([]);
  });

  it('names the release ServiceAccount and namespace in the admission policies', () => {
    const objects = parseAll(runTool(helm as string, ['template', 'zt', CHART, '--namespace', 'ops'])).filter(
      (o) => o.kind.startsWith('ValidatingAdmissionPolicy'),
    );
    const text = JSON.stringify(objects);
    expect(text).toContain("'system:serviceaccount:ops:zt'");
    expect(text).toContain('"paramRef":{"name":"apptrust-baseline","namespace":"ops"');
    expect(text).not.toContain('apptrust-system');
  });

  // The operator may patch namespaces (the marker) exactly where the marker guard narrows it.
  it('namespaces patch and the marker guard render together, or neither (baseline.admissionGate)', () => {
    const patchRoles = (objects: Manifest[]) =>
      [...byKind(objects, 'ClusterRole'), ...byKind(objects, 'Role')]
        .filter((r) =>
          r.rules.some(
            (rule: Manifest) => rule.resources?.includes('namespaces') && rule.verbs.includes('patch'),
          ),
        )
        .map((r) => r.metadata.name);
    const guards = (objects: Manifest[]) =>
      byKind(objects, 'ValidatingAdmissionPolicy')
        .map((p) => p.metadata.name)
        .filter((n) => n === 'apptrust-baseline-marker-guard');
    const on = template();
    expect([patchRoles(on), guards(on)]).toEqual([
      ['apptrust-operator-namespace-marker'],
      ['apptrust-baseline-marker-guard'],
    ]);
    const marker = byKind(on, 'ClusterRole').find(
      (r) => r.metadata.name === 'apptrust-operator-namespace-marker',
    ) as Manifest;
    expect(marker.rules).toEqual(MARKER_RULES);
    for (const off of [
      template('baseline.admissionGate=false'),
      template('watchNamespaces={shop}', 'baseline.admissionGate=false'),
    ])
      expect([patchRoles(off), guards(off)]).toEqual([[], []]);
  });

  it('renders the NetworkPolicy lock only with lockNetworkPolicies=true, naming the break-glass group', () => {
    const lock = (objects: Manifest[]) =>
      objects.filter((o) => o.metadata.name === 'apptrust-networkpolicy-lock').map((o) => o.kind);
    expect(lock(template())).toEqual([]);
    const on = template('lockNetworkPolicies=true', 'lockBreakGlassGroup=ops:oncall');
    expect(lock(on).sort()).toEqual(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    const policy = on.find(
      (o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'apptrust-networkpolicy-lock',
    ) as Manifest;
    expect(JSON.stringify(policy.spec.variables)).toContain("'ops:oncall' in request.userInfo.groups");
    // The same objects as config/admission/lock with its default group.
    const fromKustomize = kustomize('admission/lock');
    const fromHelm = template('lockNetworkPolicies=true').filter(
      (o) => o.metadata.name === 'apptrust-networkpolicy-lock',
    );
    expect(sorted(fromHelm.map(withoutHelmLabels))).toEqual(sorted(fromKustomize));
  });
});
