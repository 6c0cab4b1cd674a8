// The same round as BM_NativeRound, on the simulator (DESIGN.md: at least 20x faster than the
// raw kernel round). bench_main.cpp prints it as a ratio to BM_RawRound.
#include <benchmark/benchmark.h>

#include "sim/sim_kernel.h"

namespace {

void BM_SimRound(benchmark::State& state) {
  fdlab::SimKernel k;
  fdlab::ProcId p = k.add_process(), q = k.add_process();
  fdlab::Outcome pair = k.socketpair(p, fdlab::SockType::stream, false, false);
  fdlab::Outcome given = k.give(p, pair.fds[1].fd, q);
  fdlab::Outcome file = k.open_temp(p);
  fdlab::SendArgs send;
  send.data = "x";
  send.fds = {file.fds[0].fd};
  fdlab::RecvArgs recv;
  recv.len = 1;
  recv.has_control = true;
  recv.control_len = 24;  // CMSG_SPACE(sizeof(int)) on 64-bit Linux
  for (auto _ : state) {
    if (k.sendmsg(p, pair.fds[0].fd, send).ret != 1) state.SkipWithError("sendmsg");
    fdlab::Outcome r = k.recvmsg(q, given.ret, recv);
    if (r.fds.size() != 1 || r.fds[0].object != file.fds[0].object)
      state.SkipWithError("recvmsg did not bring the file");
    if (k.close(q, r.fds[0].fd).ret != 0) state.SkipWithError("close");
  }
  k.finish();
}
BENCHMARK(BM_SimRound);

}  // namespace
