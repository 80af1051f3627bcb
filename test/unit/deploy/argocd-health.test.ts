// The Argo CD health check (config/argocd/health.lua) run in a real Lua VM (fengari) against the
// statuses the operator writes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fengari from 'fengari';
import { parse } from 'yaml';
import {
  profile as build,
  inNamespace,
  type TestProfile,
  withMetadata,
  withStatus,
} from '../../helpers/profiles.js';

const CONFIG = join(import.meta.dirname, '..', '..', '..', 'config', 'argocd');
const HEALTH_LUA = readFileSync(join(CONFIG, 'health.lua'), 'utf8');

/** A JSON value as a Lua table constructor. */
function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `[${JSON.stringify(k)}] = ${luaLiteral(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}

/** Runs the health script the way Argo CD does: `obj` is a global, the script returns {status, message}. */
function health(obj: unknown): { status: string; message: string } {
  const { lua, lauxlib, lualib, to_luastring } = fengari;
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const code = `obj = ${luaLiteral(obj)}\nreturn (function()\n${HEALTH_LUA}\nend)()`;
  if (
    lauxlib.luaL_loadstring(L, to_luastring(code)) !== lua.LUA_OK ||
    lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK
  )
    throw new Error(`lua: ${lua.lua_tojsstring(L, -1)}`);
  const field = (name: string) => {
    lua.lua_getfield(L, -1, to_luastring(name));
    const text = lua.lua_tojsstring(L, -1);
    lua.lua_pop(L, 1);
    return text;
  };
  return { status: field('status'), message: field('message') };
}

const profile = (generation: number, ready?: Record<string, unknown>) =>
  build(
    'shop',
    inNamespace('shop'),
    withMetadata({ generation }),
    ...(ready
      ? [withStatus({ observedGeneration: generation, conditions: [{ type: 'Ready', ...ready }] })]
      : []),
  );

const conditionsOf = (p: TestProfile) => (p.status?.conditions ?? []) as Array<Record<string, unknown>>;

describe('Argo CD health check for AppTrustProfile', () => {
  it('is Progressing before the operator wrote a status', () => {
    expect(health(profile(1)).status).toBe('Progressing');
  });

  it('is Progressing while the Ready condition describes an older generation', () => {
    const stale = profile(3, {
      status: 'True',
      reason: 'Reconciled',
      message: '2 NetworkPolicies enforced',
      observedGeneration: 2,
    });
    expect(health(stale).status).toBe('Progressing');
  });

  it.each([
    ['True', 'Reconciled', 'Healthy'],
    ['True', 'Audit', 'Healthy'],
    ['False', 'InvalidSpec', 'Degraded'],
    ['False', 'Conflict', 'Degraded'],
    ['False', 'ApplyFailed', 'Degraded'],
    ['Unknown', 'Pending', 'Progressing'],
  ])('Ready=%s reason %s is %s, with the reason and message', (status, reason, expected) => {
    const result = health(profile(4, { status, reason, message: 'details', observedGeneration: 4 }));
    expect(result.status).toBe(expected);
    if (expected !== 'Progressing') expect(result.message).toBe(`${reason}: details`);
  });

  it('ignores conditions of other types', () => {
    const obj = profile(1, { status: 'True', reason: 'Reconciled', observedGeneration: 1 });
    expect(
      health({ ...obj, status: { conditions: [{ ...conditionsOf(obj)[0], type: 'Other' }] } }).status,
    ).toBe('Progressing');
  });

  it('is the script the argocd-cm customization installs, under the key Argo CD reads', () => {
    const kustomization = parse(readFileSync(join(CONFIG, 'kustomization.yaml'), 'utf8')) as {
      configMapGenerator: Array<{ name: string; files: string[] }>;
    };
    expect(kustomization.configMapGenerator).toEqual([
      {
        name: 'argocd-cm',
        files: ['resource.customizations.health.apptrust.dev_AppTrustProfile=health.lua'],
      },
    ]);
  });
});
