export { type Cidr, parseCidr, strictlyContains } from './cidr.js';
export { isDns1123Label, isDns1123Subdomain, isLabelValue } from './names.js';
export * from './schema.js';
