// The two programs the kind end-to-end pods run with `node -e` (the operator image carries node,
// so the test pulls no other image). Unit-tested locally: test/unit/deploy/probe-programs.test.ts.

/** Serves every TCP port given as an argument; stays up with none (a client-only pod). */
export const SERVER_PROGRAM = `const net = require('node:net');
for (const port of process.argv.slice(1))
  net.createServer((socket) => { socket.on('error', () => {}); socket.end('ok'); }).listen(Number(port));
setInterval(() => {}, 1 << 30);`;

/** Connects to HOST PORT: exit 0 when established, 1 on a 3 s timeout (dropped), 2 on an error (rejected). */
export const CLIENT_PROGRAM = `const socket = require('node:net').connect(Number(process.argv[2]), process.argv[1]);
socket.setTimeout(3000, () => process.exit(1));
socket.on('connect', () => process.exit(0));
socket.on('error', () => process.exit(2));`;
