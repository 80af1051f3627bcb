// `make manifests`: writes the operator's RBAC from src/kube/rbac.ts. Never edit the YAML by hand.
import { writeFileSync } from 'node:fs';
import { helmRbacYaml, rbacYaml } from './rbac-yaml.js';

const [
  kustomizeTarget = 'config/rbac/role.yaml',
  helmTarget = 'config/helm/apptrust-operator/templates/role.yaml',
] = process.argv.slice(2);
writeFileSync(kustomizeTarget, rbacYaml());
writeFileSync(helmTarget, helmRbacYaml());
console.log(`wrote ${kustomizeTarget} and ${helmTarget}`);
