#!/usr/bin/env node
// usocket: a write whose data the kernel takes in parts sends its fds again with each part.
// Not a scenario: it needs a reader in another process that drains the socket while one write
// is still in its sendmsg loop (uwrap.cc:584-616), and the usocket adapter runs every scenario
// process in one node process. Timing-dependent, so it is run by hand, not by CI:
//   node adapters/usocket/demos/partial-write-resends-fds.js
// 40 writes of 1 MiB, each with the same one fd, to a python reader that counts the fds it
// receives: 40 is right; more means the package sent some fds twice (measured on 1.1.0: 73,
// 89, 127 in three runs; 40 with patches/06-partial-write-resends-fds.patch).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const cp = require('child_process');

const modules = process.env.FDLAB_USOCKET_NODE_MODULES || path.join(__dirname, '..', 'node_modules');
const { USocket, UServer } = require(path.join(modules, 'usocket'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usocket-demo-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
setTimeout(() => { console.log('no answer within 20 s'); process.exit(2); }, 20000).unref();

const reader = `
import socket, array, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
fds = 0
while True:
    data, anc, flags, addr = s.recvmsg(1 << 16, socket.CMSG_SPACE(64 * 4))
    for level, kind, d in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += len(d) // 4
    if not data: break
print(fds)
`;
const sock = path.join(dir, 's.sock');
const server = new UServer();
server.listen(sock, () => {
  const py = cp.spawn('python3', ['-c', reader, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  py.stdout.on('data', (d) => { text += d; });
  py.on('exit', () => {
    const got = Number(text.trim());
    console.log(`40 writes with one fd each; the reader received ${got} fds`);
    console.log(got > 40 ? 'REPRODUCED' : 'NOT REPRODUCED');
    process.exit(got > 40 ? 0 : 1);
  });
  server.on('connection', (k) => {
    const f = path.join(dir, 'f');
    const fd = fs.openSync(f, 'w+');
    for (let i = 0; i < 40; i++)
      k.write({ data: Buffer.alloc(1 << 20, 98), fds: [fd], callback: i === 39 ? () => k.end() : undefined });
  });
});
