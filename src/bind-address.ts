// Bind addresses of the HTTP endpoints: parsed by the flags (config.ts) and by the servers
// (controller/http.ts), so it sits below both.

export interface ListenAddress {
  /** undefined: every interface. */
  host: string | undefined;
  port: number;
}

/**
 * A bind address as controller-runtime takes it: ":8080" (every interface), "127.0.0.1:8080",
 * "[::1]:8080"; "0" disables the endpoint (undefined). Throws on anything else.
 */
export function parseAddress(address: string): ListenAddress | undefined {
  if (address === '0' || address === '') return undefined;
  const match = address.match(/^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error(`"${address}" is not HOST:PORT, :PORT or 0`);
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}
