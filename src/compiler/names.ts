import { createHash } from 'node:crypto';

const MAX_NAME = 253;
const MAX_LABEL_VALUE = 63;
const HASH_LENGTH = 10;
/**
 * Between profile and component. A component name is a DNS-1123 label and cannot contain a dot, so
 * `<profile>.<component>` splits back at its last dot: two (profile, component) pairs never share a
 * name, and no rendered name equals the baseline's `apptrust-default-deny` (which has no dot).
 */
export const POLICY_NAME_SEPARATOR = '.';

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/** Cuts `text` to `max` characters, keeping it unique and valid with a hash of the whole. */
function truncateWithHash(text: string, max: number, trailing: RegExp): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - HASH_LENGTH - 1).replace(trailing, '');
  return `${head}-${shortHash(text)}`;
}

/**
 * `<profile>.<component>`, or past 253 characters a stable truncation that keeps the component
 * visible: `<profile head>.<component>-<hash of the whole>` (the hash keeps it unique).
 */
export function policyName(profile: string, component: string): string {
  const full = `${profile}${POLICY_NAME_SEPARATOR}${component}`;
  if (full.length <= MAX_NAME) return full;
  const tail = `${POLICY_NAME_SEPARATOR}${component}-${shortHash(full)}`;
  const head = profile.slice(0, MAX_NAME - tail.length).replace(/[-.]+$/, '');
  return `${head}${tail}`;
}

/** A label value: the text itself, or a stable truncation with a hash suffix past 63 characters. */
export function labelValue(text: string): string {
  return truncateWithHash(text, MAX_LABEL_VALUE, /[-_.]+$/);
}
