// The permalink: the URL's hash holds the scenario and the step. A bundled scenario, unchanged,
// is named by its path (#s=scenarios/stream/x.json&step=4); anything else travels as its text,
// deflated and base64url-encoded (#z=...&step=4), or plain base64url where the browser cannot
// deflate (#j=...).
'use strict';
(function (ns) {
  const toB64 = (bytes) => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const fromB64 = (s) => {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  };
  async function pipe(bytes, stream) {
    const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
    return new Uint8Array(await out.arrayBuffer());
  }
  const canDeflate = typeof CompressionStream === 'function';

  // source: {path} for a bundled scenario, or {text}.
  ns.encodePermalink = async function encodePermalink(source, step) {
    if (source.path) return `#s=${encodeURIComponent(source.path)}&step=${step}`;
    const bytes = new TextEncoder().encode(source.text);
    if (canDeflate) return `#z=${toB64(await pipe(bytes, new CompressionStream('deflate-raw')))}&step=${step}`;
    return `#j=${toB64(bytes)}&step=${step}`;
  };

  // Returns {path} or {text}, and step; null when the hash holds no scenario.
  ns.decodePermalink = async function decodePermalink(hash) {
    const params = new URLSearchParams(hash.replace(/^#/, ''));
    const step = Number(params.get('step') || 0) || 0;
    if (params.has('s')) return { path: params.get('s'), step };
    if (params.has('z')) {
      const bytes = await pipe(fromB64(params.get('z')), new DecompressionStream('deflate-raw'));
      return { text: new TextDecoder().decode(bytes), step };
    }
    if (params.has('j')) return { text: new TextDecoder().decode(fromB64(params.get('j'))), step };
    return null;
  };
})(window.Fdlab = window.Fdlab || {});
