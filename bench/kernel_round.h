#pragma once
// One fd round as a scenario does it, through the Kernel interface: p sends 1 byte + 1 fd, q
// (another scenario process, or p itself when !two_processes) receives it with room for one fd
// and closes it. The same body measures every backend, so their ratios compare like with like:
// Google Benchmark's rounds (bench/*_bench.cpp) and the plain timer that runs natively and under
// node (bench/round_timer.cpp) both call KernelRound::once. Nothing here needs Google Benchmark,
// so the body compiles unchanged with em++.
#include <string>

#include "core/kernel.h"

namespace fdlab::bench {

class KernelRound {
 public:
  explicit KernelRound(Kernel& k, bool two_processes = true) : k_(k) {
    p_ = k.add_process();
    q_ = two_processes ? k.add_process() : p_;
    Outcome pair = k.socketpair(p_, SockType::stream, false, false);
    sender_ = pair.fds[0].fd;
    receiver_ =
        two_processes ? static_cast<int>(k.give(p_, pair.fds[1].fd, q_).ret) : pair.fds[1].fd;
    Outcome file = k.open_temp(p_);
    file_object_ = file.fds[0].object;
    send_.data = "x";
    send_.fds = {file.fds[0].fd};
    recv_.len = 1;
    recv_.has_control = true;
    recv_.control_len = 24;  // CMSG_SPACE(sizeof(int)) on 64-bit Linux
  }

  // One round: nullptr when it did what it should, else what went wrong.
  const char* once() {
    if (k_.sendmsg(p_, sender_, send_).ret != 1) return "sendmsg";
    Outcome r = k_.recvmsg(q_, receiver_, recv_);
    if (r.fds.size() != 1 || r.fds[0].object != file_object_)
      return "recvmsg did not bring the file";
    if (k_.close(q_, r.fds[0].fd).ret != 0) return "close";
    return nullptr;
  }

  // Closes everything the rounds opened: "" when nothing leaked, else what did.
  std::string finish() {
    Leftovers left = k_.finish();
    return left.leaked == 0 ? std::string() : left.detail.empty() ? "leaked" : left.detail;
  }

 private:
  Kernel& k_;
  ProcId p_ = 0, q_ = 0;
  int sender_ = -1, receiver_ = -1;
  ObjectId file_object_ = 0;
  SendArgs send_;
  RecvArgs recv_;
};

// The round under Google Benchmark (State is benchmark::State; a template so that this header
// does not include it).
template <class State>
void kernel_round(State& state, Kernel& k, bool two_processes = true) {
  KernelRound round(k, two_processes);
  for (auto _ : state) {
    if (const char* error = round.once()) {
      state.SkipWithError(error);
      break;
    }
  }
  const std::string leaked = round.finish();
  if (!leaked.empty()) state.SkipWithError(leaked.c_str());
}

}  // namespace fdlab::bench
