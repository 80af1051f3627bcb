// Cluster providers other than the local control plane. kind runs the same suite through
// APPTRUST_TEST_KUBECONFIG (make kind-up); k3s through testcontainers. Both need a Docker engine:
// where none answers, or the k3s image is not in the engine (no registry is reachable on machines
// like this one, so nothing can be pulled), the k3s test is reported as skipped, never as passed.
import { request } from 'node:http';
import { API_VERSION } from '../../src/api/v1alpha1/index.js';

function dockerAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: '/var/run/docker.sock', path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const K3S_IMAGE = 'rancher/k3s:v1.34.4-k3s1';

/** Whether the engine already holds the image: testcontainers would otherwise try to pull it. */
function imagePresent(image: string): Promise<boolean> {
  return new Promise((resolve) => {
    const path = `/images/${encodeURIComponent(image)}/json`;
    const req = request({ socketPath: '/var/run/docker.sock', path, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const docker = await dockerAnswers();
const k3sImage = docker && (await imagePresent(K3S_IMAGE));
const k3sSkipReason = !docker
  ? '(skipped: no Docker engine answers on /var/run/docker.sock)'
  : `(skipped: the image ${K3S_IMAGE} is not in the Docker engine and no registry is reachable to pull it)`;
const k3sTest = k3sImage ? it : it.skip;

describe('cluster providers', () => {
  it('runs this suite against a real API server', () => {
    expect(['local', 'kubeconfig']).toContain(process.env.APPTRUST_TEST_PROVIDER);
  });

  k3sTest(
    `k3s via testcontainers accepts the CRD and a profile ${k3sImage ? '' : k3sSkipReason}`,
    async () => {
      const { K3sContainer } = await import('@testcontainers/k3s');
      const { KubeConfig } = await import('@kubernetes/client-node');
      const { KubeRest } = await import('../../src/kube/rest.js');
      const { installProjectCrds } = await import('../cluster/crds.js');
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const container = await new K3sContainer(K3S_IMAGE).start();
      try {
        const file = join(mkdtempSync(join(tmpdir(), 'k3s-')), 'kubeconfig');
        writeFileSync(file, container.getKubeConfig());
        await installProjectCrds(file);
        const kc = new KubeConfig();
        kc.loadFromFile(file);
        const body = {
          apiVersion: API_VERSION,
          kind: 'AppTrustProfile',
          metadata: { name: 'p', namespace: 'default' },
          spec: { components: [{ name: 'a', podSelector: {} }] },
        };
        await new KubeRest(kc).request({
          method: 'POST',
          path: '/apis/apptrust.dev/v1alpha1/namespaces/default/apptrustprofiles',
          body,
        });
      } finally {
        await container.stop();
      }
    },
    300_000,
  );
});
