#pragma once
// One fd round as a scenario does it, through the Kernel interface: p sends 1 byte + 1 fd, q
// (another scenario process, or p itself when !two_processes) receives it with room for one fd
// and closes it. The same body measures every backend, so their ratios compare like with like.
#include <benchmark/benchmark.h>

#include "core/kernel.h"

namespace fdlab::bench {

inline void kernel_round(benchmark::State& state, Kernel& k, bool two_processes = true) {
  ProcId p = k.add_process(), q = two_processes ? k.add_process() : p;
  Outcome pair = k.socketpair(p, SockType::stream, false, false);
  const int receiver =
      two_processes ? static_cast<int>(k.give(p, pair.fds[1].fd, q).ret) : pair.fds[1].fd;
  Outcome file = k.open_temp(p);
  SendArgs send;
  send.data = "x";
  send.fds = {file.fds[0].fd};
  RecvArgs recv;
  recv.len = 1;
  recv.has_control = true;
  recv.control_len = 24;  // CMSG_SPACE(sizeof(int)) on 64-bit Linux
  for (auto _ : state) {
    if (k.sendmsg(p, pair.fds[0].fd, send).ret != 1) state.SkipWithError("sendmsg");
    Outcome r = k.recvmsg(q, receiver, recv);
    if (r.fds.size() != 1 || r.fds[0].object != file.fds[0].object)
      state.SkipWithError("recvmsg did not bring the file");
    if (k.close(q, r.fds[0].fd).ret != 0) state.SkipWithError("close");
  }
  Leftovers left = k.finish();
  if (left.leaked != 0) state.SkipWithError(left.detail.c_str());
}

}  // namespace fdlab::bench
