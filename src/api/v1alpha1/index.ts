export { type Cidr, parseCidr, strictlyContains } from './cidr.js';
export * from './keys.js';
export { isDns1123Subdomain } from './names.js';
export * from './reasons.js';
export * from './schema.js';
