// `make manifests`: writes the CRD generated from the zod schema. Never edit the YAML by hand.
import { writeFileSync } from 'node:fs';
import { crdYaml } from './crd-yaml.js';

const target = process.argv[2] ?? 'crds/apptrust.dev_apptrustprofiles.yaml';
writeFileSync(target, crdYaml());
console.log(`wrote ${target}`);
