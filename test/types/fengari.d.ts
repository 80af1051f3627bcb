// The small part of fengari (a Lua 5.3 VM in JavaScript) the Argo CD health check test uses.
declare module 'fengari' {
  type State = unknown;
  const fengari: {
    to_luastring(text: string): Uint8Array;
    lua: {
      LUA_OK: number;
      lua_pcall(L: State, nargs: number, nresults: number, errfunc: number): number;
      lua_getfield(L: State, index: number, key: Uint8Array): number;
      lua_tojsstring(L: State, index: number): string;
      lua_pop(L: State, n: number): void;
    };
    lauxlib: {
      luaL_newstate(): State;
      luaL_loadstring(L: State, code: Uint8Array): number;
    };
    lualib: { luaL_openlibs(L: State): void };
  };
  export default fengari;
}
