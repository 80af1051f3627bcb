// A small authoritative DNS server for tests (UDP, A and AAAA, a chosen TTL; answers changeable at
// any time). In-process: `startDnsServer()`. As a process (e.g. inside a network namespace):
// `node dns-server.js ANSWERS.json HOST PORT` reads the answers file on every query, so a test
// changes the answers by rewriting the file. Answers: {"name": {"a": [...], "aaaa": [...], "ttl": 5}}
// or {"name": {"fail": "servfail" | "nxdomain" | "drop"}}.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface DnsRecordSet {
  a?: string[];
  aaaa?: string[];
  ttl?: number;
  /** servfail / nxdomain: answer with that code; drop: no answer at all (the client times out). */
  fail?: 'servfail' | 'nxdomain' | 'drop';
}
export type DnsAnswers = Record<string, DnsRecordSet>;

const TYPE_A = 1;
const TYPE_AAAA = 28;

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i] as number;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const part = (s: string) => (s ? s.split(':') : []);
  const h = part(head);
  const t = part(tail);
  const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

/** The reply to one query, or undefined to stay silent. */
export function answerQuery(query: Buffer, answers: DnsAnswers): Buffer | undefined {
  if (query.length < 12) return undefined;
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const set = answers[name];
  if (set?.fail === 'drop') return undefined;
  const rcode = !set || set.fail === 'nxdomain' ? 3 : set.fail === 'servfail' ? 2 : 0;
  const records =
    rcode !== 0
      ? []
      : qtype === TYPE_A
        ? (set?.a ?? []).map((a) => Buffer.from(a.split('.').map(Number)))
        : qtype === TYPE_AAAA
          ? (set?.aaaa ?? []).filter((a) => isIPv6(a)).map(ipv6Bytes)
          : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8180 | 0x0400 | rcode, 2); // response, RD, RA, authoritative
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const rrs = records.map((rdata) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(set?.ttl ?? 30, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, question, ...rrs]);
}

export interface DnsTestServer {
  /** HOST:PORT, for --fqdn-resolver. */
  address: string;
  answers: DnsAnswers;
  queries: number;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (a free port unless given); set `server.answers` to change them. */
export async function startDnsServer(
  answers: DnsAnswers,
  host = '127.0.0.1',
  port = 0,
): Promise<DnsTestServer> {
  const socket: Socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  const server: DnsTestServer = {
    address: '',
    answers,
    queries: 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    server.queries++;
    const reply = answerQuery(msg, server.answers);
    if (reply) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, host, () => resolve()));
  server.address = `${host}:${socket.address().port}`;
  return server;
}

// As a process: answers from a file, read on every query.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, host = '0.0.0.0', port = '53'] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: dns-server.js ANSWERS.json [HOST] [PORT]\n');
    process.exit(2);
  }
  const server = await startDnsServer({}, host, Number(port));
  const read = (): DnsAnswers => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as DnsAnswers;
    } catch {
      return {};
    }
  };
  Object.defineProperty(server, 'answers', { get: read });
  process.stdout.write(`dns server listening on ${server.address}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
}
