// The programs test pods run with `node -e`, shared by both traffic providers: the kind end-to-end
// pods (the operator image carries node, so that test pulls no other image) and the dataplane tier's
// network-namespace pods. Unit-tested locally: test/unit/deploy/probe-programs.test.ts.
//
// A served port is written "8080" (TCP) or "8080/UDP". A UDP server answers every datagram with
// "ok", so a UDP probe observes a reply, not just a send that nothing refused.

/**
 * serve(spec): listens on one port, dual-stack when the host has IPv6. `received` counts, by source
 * address, the TCP connections accepted and the UDP datagrams that arrived: what reached the server,
 * whatever the client saw (the dataplane's "no packet crossed" evidence).
 */
const SERVE = `const net = require('node:net'), dgram = require('node:dgram');
const received = {};
const count = (address, what) => {
  const from = String(address).replace(/^::ffff:/, '');
  received[from] = received[from] || { tcp: 0, udp: 0 };
  received[from][what]++;
};
function serve(spec, done) {
  const [port, protocol = 'TCP'] = String(spec).split('/');
  const cb = done || (() => {});
  if (protocol.toUpperCase() === 'UDP') {
    const bind = (type, address, fallback) => {
      const s = dgram.createSocket({ type });
      s.on('message', (m, r) => { count(r.address, 'udp'); s.send('ok', r.port, r.address); });
      s.once('error', (e) => (fallback ? fallback() : cb(e)));
      s.bind({ port: Number(port), address }, () => cb());
    };
    bind('udp6', '::', () => bind('udp4', '0.0.0.0'));
  } else {
    const s = net.createServer((socket) => {
      count(socket.remoteAddress, 'tcp');
      socket.on('error', () => {});
      socket.end('ok');
    });
    s.once('error', cb);
    s.listen(Number(port), () => cb());
  }
}
`;

/** probe(host, port, protocol, timeoutMs, done(outcome)): one fresh connection attempt. */
const PROBE = `function probe(host, port, protocol, timeoutMs, done) {
  const net = require('node:net'), dgram = require('node:dgram');
  let finished = false, socket, timer;
  const finish = (outcome) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    try { protocol === 'UDP' ? socket.close() : socket.destroy(); } catch {}
    done(outcome);
  };
  timer = setTimeout(() => finish('timeout'), timeoutMs);
  if (protocol === 'UDP') {
    socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    socket.on('message', () => finish('connected'));
    socket.on('error', (e) => finish(e.code || 'error'));
    socket.connect(Number(port), host, (e) => (e ? finish(e.code || 'error') : socket.send('probe')));
  } else {
    socket = net.connect({ host, port: Number(port) });
    socket.on('connect', () => finish('connected'));
    socket.on('error', (e) => finish(e.code || 'error'));
  }
}
`;

/** Serves every port given as an argument ("8080", "53/UDP"); stays up with none (a client-only pod). */
export const SERVER_PROGRAM = `${SERVE}for (const spec of process.argv.slice(1)) serve(spec);
setInterval(() => {}, 1 << 30);`;

/**
 * Connects to HOST PORT [PROTOCOL [TIMEOUT_MS]]: exit 0 when established (UDP: answered), 1 on
 * the timeout (dropped; default 3 s), 2 on an error (rejected).
 */
export const CLIENT_PROGRAM = `${PROBE}const [host, port, protocol = 'TCP', timeout = '3000'] = process.argv.slice(1);
probe(host, port, protocol.toUpperCase(), Number(timeout), (o) => process.exit(o === 'connected' ? 0 : o === 'timeout' ? 1 : 2));`;

/**
 * A long-lived pod agent for the dataplane tier: serves the ports given after its control socket
 * path, and answers JSON lines on that unix socket (reachable from the root network namespace):
 *   {"id":1,"op":"probe","host":"10.244.0.5","port":80,"protocol":"TCP","timeoutMs":500}
 *     -> {"id":1,"outcome":"connected"|"timeout"|"ECONNREFUSED"|...,"startedAt":EPOCH_MS,"ms":N}
 *   {"id":2,"op":"listen","ports":["9000","53/UDP"]} -> {"id":2,"ok":true}
 *   {"id":3,"op":"received"} -> {"id":3,"received":{"10.244.0.5":{"tcp":2,"udp":0}}}
 * One process per pod serves and probes, so a probe costs a connection, not a process start.
 */
export const AGENT_PROGRAM = `${SERVE}${PROBE}const fs = require('node:fs'), readline = require('node:readline');
const [control, ...ports] = process.argv.slice(1);
const serving = new Set();
const listen = (specs, cb) => {
  const todo = specs.filter((s) => !serving.has(String(s).toUpperCase()));
  let left = todo.length, failed;
  if (left === 0) return cb();
  for (const s of todo) {
    serving.add(String(s).toUpperCase());
    serve(s, (e) => { failed = failed || e; if (--left === 0) cb(failed); });
  }
};
const now = () => performance.timeOrigin + performance.now();
listen(ports, (e) => {
  if (e) { console.error(String(e)); process.exit(3); }
  try { fs.unlinkSync(control); } catch {}
  net.createServer((conn) => {
    conn.on('error', () => {});
    const reply = (o) => conn.writable && conn.write(JSON.stringify(o) + '\\n');
    readline.createInterface({ input: conn }).on('line', (line) => {
      const r = JSON.parse(line);
      if (r.op === 'listen') listen(r.ports, (e) => reply({ id: r.id, ok: !e, error: e && String(e) }));
      else if (r.op === 'probe') {
        const startedAt = now();
        probe(r.host, r.port, r.protocol || 'TCP', r.timeoutMs || 1000, (outcome) =>
          reply({ id: r.id, outcome, startedAt, ms: now() - startedAt }));
      } else if (r.op === 'received') reply({ id: r.id, received });
      else reply({ id: r.id, ok: true });
    });
  }).listen(control);
});`;
