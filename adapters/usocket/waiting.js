// How the adapter waits for the package, shared with the reproduction scripts (repro.js embeds
// these functions' source, so a script stays standalone and waits exactly as the adapter does).
'use strict';

const { bytesJson } = require('./trace');

// Waits until nothing has happened for a while: the package's work runs on libuv's poller and
// thread pool, so quiet for `quietMs` (no new event: `eventCount()` unchanged) is the adapter's
// "nothing more happens".
async function settle(eventCount, quietMs = 60, maxMs = 5000) {
  const start = Date.now();
  let seen = -1;
  let quietSince = Date.now();
  while (Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 10));
    if (eventCount() !== seen) {
      seen = eventCount();
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return;
    }
  }
}

// Reads until `size` bytes came, letting the loop run between reads, or until nothing more
// arrives.
async function readUntil(s, size, eventCount) {
  let got = Buffer.alloc(0);
  for (;;) {
    let r = s.read(size - got.length);
    if (r === null) r = s.read();
    if (r) got = Buffer.concat([got, r]);
    if (got.length >= size) break;
    const before = eventCount();
    await settle(eventCount);
    if (eventCount() === before) break;
  }
  return bytesJson({}, got);
}

module.exports = { settle, readUntil };
