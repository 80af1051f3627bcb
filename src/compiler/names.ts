import { createHash } from 'node:crypto';

const MAX_NAME = 253;
const MAX_LABEL_VALUE = 63;
const HASH_LENGTH = 10;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/** Cuts `text` to `max` characters, keeping it unique and valid with a hash of the whole. */
function truncateWithHash(text: string, max: number, trailing: RegExp): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - HASH_LENGTH - 1).replace(trailing, '');
  return `${head}-${shortHash(text)}`;
}

/** `<profile>-<component>`, or a stable truncation with a hash suffix past 253 characters. */
export function policyName(profile: string, component: string): string {
  return truncateWithHash(`${profile}-${component}`, MAX_NAME, /[-.]+$/);
}

/** A label value: the text itself, or a stable truncation with a hash suffix past 63 characters. */
export function labelValue(text: string): string {
  return truncateWithHash(text, MAX_LABEL_VALUE, /[-_.]+$/);
}
