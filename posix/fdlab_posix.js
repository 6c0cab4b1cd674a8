// libfdlab_posix's JavaScript half (emcc --js-library): reads the C half's request out of the
// program's memory, hands it to the host that owns the simulated kernel (posix/host.js, shared
// by every process of the run) and writes the answer back. A call that has to wait suspends
// the program with Asyncify until the host answers.
mergeInto(LibraryManager.library, {
  fdlab_js_call__deps: ['$FS'],
  fdlab_js_call: function (ptr) {
    return Asyncify.handleAsync(async function () {
      const host = Module['fdlabHost'];
      if (!host) throw new Error('fdlab_posix: this program runs only under fdlab\'s host (posix/host.js)');
      const w = ptr >> 2;
      const req = {
        op: HEAP32[w], fd: HEAP32[w + 1], a: HEAP32[w + 2], b: HEAP32[w + 3], c: HEAP32[w + 4],
        data: HEAPU8.slice(HEAPU32[w + 5], HEAPU32[w + 5] + HEAP32[w + 6]),
        dataPtr: HEAPU32[w + 5], dataLen: HEAP32[w + 6],
        control: HEAPU32[w + 7] ? HEAPU8.slice(HEAPU32[w + 7], HEAPU32[w + 7] + HEAP32[w + 8]) : null,
        controlLen: HEAP32[w + 8],
        name: HEAPU32[w + 9] ? HEAPU8.slice(HEAPU32[w + 9], HEAPU32[w + 9] + HEAP32[w + 10]) : null,
        nameLen: HEAP32[w + 10],
      };
      const ans = await host.call(Module, req);
      // Bytes back into the program: data (read, recvmsg, poll's revents), control, name.
      if (ans.data) HEAPU8.set(ans.data.subarray(0, req.dataLen), HEAPU32[w + 5]);
      if (ans.control && HEAPU32[w + 7]) HEAPU8.set(ans.control.subarray(0, req.controlLen), HEAPU32[w + 7]);
      if (ans.name && HEAPU32[w + 9]) HEAPU8.set(ans.name.subarray(0, req.nameLen), HEAPU32[w + 9]);
      const out = ans.out || [];
      for (let i = 0; i < 4; i++) HEAP32[w + 11 + i] = out[i] | 0;
      if (ans.sigpipe) HEAP32[w + 14] = 1;  // out[3] of write and sendmsg: SIGPIPE was raised
      // A number the model gave that Emscripten's own table also uses would be two files at
      // one fd: stop with that said instead.
      // (A program playing processes has given the model its stdio too: no such clash.)
      for (const fd of Module['fdlabSolo'] ? [] : ans.newFds || []) {
        if (FS.streams[fd]) {
          throw new Error('fdlab_posix: fd ' + fd + ' is both a socket of the model and a file ' +
                          'Emscripten opened; open the program\'s files before its sockets');
        }
      }
      return ans.ret;
    });
  },
  fdlab_js_getpid: function () {
    const host = Module['fdlabHost'];
    return host ? host.getpid(Module) : 0;
  },
  fdlab_js_errno_name: function (err, out, room) {
    const name = Module['fdlabHost'].errnoName(err);
    if (name.length + 1 > room) return 0;
    for (let i = 0; i < name.length; i++) HEAPU8[out + i] = name.charCodeAt(i);
    HEAPU8[out + name.length] = 0;
    return name.length;
  },
});
