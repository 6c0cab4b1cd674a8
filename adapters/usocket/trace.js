// The trace conventions of core/trace.cpp and core/usocket/events.h, for the adapter.
'use strict';

const kInline = 256;

function fnv1a(buf) {
  let h = 0xcbf29ce484222325n;
  for (const b of buf) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return 'fnv1a:' + h.toString(16).padStart(16, '0');
}

function printable(buf) {
  for (const b of buf) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

// Adds the bytes to `into` as the C++ side shows them: data, data_hex, or length and hash.
function bytesJson(into, buf) {
  if (buf.length > kInline) {
    into.data_len = buf.length;
    into.data_fnv1a = fnv1a(buf);
  } else if (printable(buf)) {
    into.data = buf.toString('latin1');
  } else {
    into.data_hex = buf.toString('hex');
  }
  return into;
}

// One step's events: by object creation, each object's own order kept, repeated 'readable'
// collapsed into the last one (core/usocket/events.h says why).
function canonicalOrder(events) {
  const sorted = events.map((e, i) => [e, i]).sort((a, b) => a[0].id - b[0].id || a[1] - b[1])
    .map(([e]) => e);
  const out = [];
  sorted.forEach((e, i) => {
    if (e.event === 'readable' &&
        sorted.slice(i + 1).some((f) => f.id === e.id && f.event === 'readable')) return;
    const { id, ...rest } = e;
    out.push(rest);
  });
  return out;
}

module.exports = { bytesJson, canonicalOrder, fnv1a, printable, kInline };
