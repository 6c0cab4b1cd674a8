// One round of fd passing: sendmsg(1 byte + 1 fd), recvmsg with room for one fd, close the
// received fd. BM_RawRound is the plain C baseline of DESIGN.md's speed targets; the other
// rounds are compared with it (bench/bench_main.cpp prints the ratios).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "bench/kernel_round.h"
#include "native/posix_kernel.h"
#include "native/worker.h"

namespace {

// A fresh unlinked regular file, like open_temp: what the rounds pass around.
int temp_file() { return ::open("/tmp", O_TMPFILE | O_RDWR, 0600); }

void BM_RawRound(benchmark::State& state) {
  int sv[2];
  int file = temp_file();
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || file < 0) {
    state.SkipWithError("socketpair or open failed");
    return;
  }
  for (auto _ : state) {
    char byte = 'x';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &file, sizeof file);
    if (::sendmsg(sv[0], &m, 0) != 1) state.SkipWithError("sendmsg");

    char in;
    iovec riov{&in, 1};
    alignas(cmsghdr) char rcontrol[CMSG_SPACE(sizeof(int))];
    msghdr r{};
    r.msg_iov = &riov;
    r.msg_iovlen = 1;
    r.msg_control = rcontrol;
    r.msg_controllen = sizeof rcontrol;
    if (::recvmsg(sv[1], &r, 0) != 1) state.SkipWithError("recvmsg");
    int got;
    std::memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&r)), sizeof got);
    if (::close(got) != 0) state.SkipWithError("close");
  }
  ::close(sv[0]);
  ::close(sv[1]);
  ::close(file);
}
BENCHMARK(BM_RawRound);

// Breakdown: the raw round plus the syscalls the native backend adds to identify the received
// fd (fstat for the key, F_GETFD for FD_CLOEXEC, kcmp against the sender's live fd), all in one
// thread: the floor for any backend that identifies fds this way, whatever its handoff.
void BM_RawRoundWithIdentity(benchmark::State& state) {
  int sv[2];
  int file = temp_file();
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || file < 0) {
    state.SkipWithError("socketpair or open failed");
    return;
  }
  const long self = ::syscall(SYS_gettid);
  for (auto _ : state) {
    char byte = 'x';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &file, sizeof file);
    if (::sendmsg(sv[0], &m, 0) != 1) state.SkipWithError("sendmsg");
    char in;
    iovec riov{&in, 1};
    alignas(cmsghdr) char rcontrol[CMSG_SPACE(sizeof(int))];
    msghdr r{};
    r.msg_iov = &riov;
    r.msg_iovlen = 1;
    r.msg_control = rcontrol;
    r.msg_controllen = sizeof rcontrol;
    if (::recvmsg(sv[1], &r, 0) != 1) state.SkipWithError("recvmsg");
    int got;
    std::memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&r)), sizeof got);
    struct stat st {};
    if (::fstat(got, &st) != 0 || ::fcntl(got, F_GETFD) < 0 ||
        ::syscall(SYS_kcmp, self, self, KCMP_FILE, got, file) != 0)
      state.SkipWithError("identity");
    if (::close(got) != 0) state.SkipWithError("close");
  }
  ::close(sv[0]);
  ::close(sv[1]);
  ::close(file);
}
BENCHMARK(BM_RawRoundWithIdentity);

// The same round as a scenario does it: sender and receiver are two scenario processes, and
// the received fd is identified (fstat, F_GETFD, kcmp against the sender's live fd).
void BM_NativeRound(benchmark::State& state) {
  fdlab::PosixKernel k;
  fdlab::bench::kernel_round(state, k);
}
BENCHMARK(BM_NativeRound);

}  // namespace

namespace {
// Breakdown: the same round with sender and receiver in ONE scenario process, so only two
// threads (driver, one worker) take part and both can spin on the two cores.
void BM_NativeRoundOneProcess(benchmark::State& state) {
  fdlab::PosixKernel k;
  fdlab::bench::kernel_round(state, k, /*two_processes=*/false);
}
BENCHMARK(BM_NativeRoundOneProcess);
}  // namespace

namespace {
// Breakdown: one handoff to a worker and back, with an empty job.
void BM_WorkerHandoff(benchmark::State& state) {
  fdlab::native::Worker w(fdlab::native::SpinPolicy{});
  int n = 0;
  auto job = [&n] { ++n; };
  for (auto _ : state) w.run(job, std::chrono::milliseconds(300));
  benchmark::DoNotOptimize(n);
}
BENCHMARK(BM_WorkerHandoff);
}  // namespace
