// The run's network, kindnet-like without a bridge: a "node" network namespace with forwarding on,
// and one network namespace per pod (or external host) joined to it by a veth pair and /32 (/128)
// routes. Nothing is created in the host's root namespace: both ends of every veth are made inside
// their own namespaces, and the node has no uplink at all, plus blackhole default routes, so no
// packet can leave the machine or reach an address that is not one of ours.
import { ipBatch, run } from './host.js';

/** The node side of every link carries the gateway address; IPv6 uses link-local fe80::1. */
const GATEWAY_V6 = 'fe80::1';

export async function createNodeNamespace(netns: string): Promise<void> {
  await run('ip', ['netns', 'add', netns]);
  await ipBatch(netns, ['link set lo up', 'route add blackhole default', 'route add blackhole ::/0']);
  await run('ip', [
    'netns',
    'exec',
    netns,
    'sh',
    '-c',
    'echo 1 > /proc/sys/net/ipv4/ip_forward; [ ! -d /proc/sys/net/ipv6 ] || echo 1 > /proc/sys/net/ipv6/conf/all/forwarding',
  ]);
}

export interface HostLink {
  nodeNetns: string;
  netns: string;
  /** Node-side interface name, unique inside the node namespace. */
  nodeIf: string;
  gateway: string;
  ipv4: string;
  ipv6?: string;
}

/** A namespace for one host (pod or external), linked to the node and routed both ways. */
export async function createHostNamespace(link: HostLink): Promise<void> {
  const { nodeNetns, netns, nodeIf, gateway, ipv4, ipv6 } = link;
  await run('ip', ['netns', 'add', netns]);
  // addrgenmode none: no automatic link-local address, so nothing waits for duplicate address
  // detection; our IPv6 addresses are added with nodad and usable at once.
  await ipBatch(nodeNetns, [
    `link add ${nodeIf} type veth peer name eth0 netns ${netns}`,
    `link set ${nodeIf} addrgenmode none`,
    `link set ${nodeIf} up`,
    `address add ${gateway}/32 dev ${nodeIf}`,
    `route add ${ipv4}/32 dev ${nodeIf}`,
    ...(ipv6
      ? [`address add ${GATEWAY_V6}/64 dev ${nodeIf} nodad`, `route add ${ipv6}/128 dev ${nodeIf}`]
      : []),
  ]);
  await ipBatch(netns, [
    'link set lo up',
    'link set eth0 addrgenmode none',
    `address add ${ipv4}/32 dev eth0`,
    ...(ipv6 ? [`address add ${ipv6}/128 dev eth0 nodad`] : []),
    'link set eth0 up',
    `route add ${gateway}/32 dev eth0 scope link`,
    `route add default via ${gateway} dev eth0 src ${ipv4}`,
    ...(ipv6 ? [`route add ::/0 via ${GATEWAY_V6} dev eth0 src ${ipv6}`] : []),
  ]);
}

/** The run's network namespaces (names starting with `prefix`), whether or not the state file lists them. */
export async function runNamespaces(prefix: string): Promise<string[]> {
  const out = await run('ip', ['netns', 'list']).catch(() => '');
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(prefix));
}

/** Pids of every process inside a network namespace. */
export async function namespacePids(netns: string): Promise<number[]> {
  const out = await run('ip', ['netns', 'pids', netns]).catch(() => '');
  return out
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

/**
 * Deletes a namespace after killing what runs in it: a namespace with a live process survives
 * `ip netns del` (unnamed, invisible), and with it its links, routes and nft tables.
 */
export async function deleteNamespace(netns: string): Promise<void> {
  for (const pid of await namespacePids(netns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await run('ip', ['netns', 'del', netns]).catch(() => undefined);
}
