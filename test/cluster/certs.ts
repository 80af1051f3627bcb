// Certificates for the local control plane, made with the openssl CLI (node:crypto cannot issue
// X.509 certificates): a CA, the API server's serving cert, an admin client cert (system:masters)
// and the service-account signing key pair.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterCerts {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function ecKey(path: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

function signed(
  dir: string,
  name: string,
  subject: string,
  ca: { cert: string; key: string },
  ext: string,
): [string, string] {
  const [key, csr, cert, extFile] = ['key', 'csr', 'crt', 'ext'].map((s) => join(dir, `${name}.${s}`)) as [
    string,
    string,
    string,
    string,
  ];
  ecKey(key);
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  writeFileSync(extFile, ext);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    extFile,
    '-out',
    cert,
  ]);
  return [cert, key];
}

/**
 * A client certificate for `user` in `groups`, signed by the cluster CA of `certs`: tests give each
 * process its own user so the API server's audit log tells whose request each one was.
 */
export function makeClientCert(
  dir: string,
  certs: ClusterCerts,
  user: string,
  groups: string[],
): { cert: string; key: string } {
  const subject = `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`;
  const [cert, key] = signed(
    dir,
    `user-${user}`,
    subject,
    { cert: certs.caCert, key: certs.caKey },
    'extendedKeyUsage=clientAuth\n',
  );
  return { cert, key };
}

export function makeCerts(dir: string): ClusterCerts {
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  ecKey(caKey);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    '/CN=apptrust-local-ca',
    '-days',
    '30',
    '-out',
    caCert,
  ]);
  const ca = { cert: caCert, key: caKey };
  const [serverCert, serverKey] = signed(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    ca,
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n',
  );
  const [adminCert, adminKey] = signed(
    dir,
    'admin',
    '/O=system:masters/CN=apptrust-admin',
    ca,
    'extendedKeyUsage=clientAuth\n',
  );
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  ecKey(saKey);
  openssl(['pkey', '-in', saKey, '-pubout', '-out', saPub]);
  return { caCert, caKey, serverCert, serverKey, adminCert, adminKey, saKey, saPub };
}
