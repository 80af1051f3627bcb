// Kubernetes name and label formats, as apimachinery's validation package defines them. Each
// format exists twice: a JavaScript check (zod, every caller) and a CEL expression (admission).

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** `[prefix/]name`: prefix a DNS subdomain, name 1..63 alphanumerics, '-', '_', '.' (RE2-compatible). */
const LABEL_KEY_SOURCE =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
export const LABEL_KEY = new RegExp(LABEL_KEY_SOURCE);
/** An IANA service name (validation.IsValidPortName): <= 15 chars, a letter, no "--". */
const PORT_NAME_SOURCE = '^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$';
const PORT_NAME = new RegExp(PORT_NAME_SOURCE);

export const MAX_LABEL_KEY = 317; // 253 (prefix) + 1 + 63 (name)
export const MAX_LABEL_PREFIX = 253;

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** A label key: an optional DNS subdomain prefix (<= 253 chars) and a slash, then a name of <= 63 chars. */
export function isLabelKey(key: string): boolean {
  return LABEL_KEY.test(key) && key.indexOf('/') <= MAX_LABEL_PREFIX;
}

/** The same check as isLabelKey, as a CEL expression over the string expression `v`. */
export function labelKeyCel(v: string): string {
  return `${v}.matches('${LABEL_KEY_SOURCE.replace(/\\/g, '\\\\')}') && ${v}.indexOf('/') <= ${MAX_LABEL_PREFIX}`;
}

export const labelKeyProblem = (key: string) =>
  `label key "${key}" is invalid: want [prefix/]name, prefix a DNS subdomain (<= 253 chars), name 1..63 of a-z, A-Z, 0-9, '-', '_', '.' starting and ending alphanumeric`;

/** labelKeyProblem as a CEL string expression over the string expression `v`. */
export const labelKeyProblemCel = (v: string) =>
  `'label key "%s" is invalid: want [prefix/]name, prefix a DNS subdomain (<= 253 chars), name 1..63 of a-z, A-Z, 0-9, \\'-\\', \\'_\\', \\'.\\' starting and ending alphanumeric'.format([${v}])`;

/** An IANA service name as Kubernetes accepts it for a named port (validation.IsValidPortName). */
export function isPortName(value: string): boolean {
  return PORT_NAME.test(value) && /[a-z]/.test(value) && !value.includes('--');
}

/** The same check as isPortName, as a CEL expression over the string expression `v`. */
export function portNameCel(v: string): string {
  return `${v}.matches('${PORT_NAME_SOURCE}') && ${v}.matches('[a-z]') && !${v}.contains('--')`;
}
