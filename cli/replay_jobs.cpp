#include "cli/replay_jobs.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/harness_error.h"

namespace fdlab {
namespace {

struct SharedNext {
  std::atomic<std::size_t> next;
};
static_assert(std::atomic<std::size_t>::is_always_lock_free, "shared across processes");

bool write_all(int fd, const std::string& s) {
  for (std::size_t at = 0; at < s.size();) {
    const ssize_t n = ::write(fd, s.data() + at, s.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

// A result on the pipe: its index and length (8 bytes each, host order), then the result as
// CBOR, which keeps every string byte for byte (a file name need not be UTF-8; JSON text
// would replace such bytes).
constexpr std::size_t kHeader = 16;

// A job: takes indices until none is left, each result sent as soon as it is made.
[[noreturn]] void job_main(SharedNext* shared, std::size_t n, int out,
                           const std::function<nlohmann::json(std::size_t)>& work) {
  for (std::size_t i = shared->next.fetch_add(1); i < n; i = shared->next.fetch_add(1)) {
    std::vector<std::uint8_t> body;
    try {
      body = nlohmann::json::to_cbor(work(i));
    } catch (...) {
      continue;  // the caller reports the missing result
    }
    const std::uint64_t header[2] = {i, body.size()};
    std::string frame(reinterpret_cast<const char*>(header), kHeader);
    frame.append(body.begin(), body.end());
    if (!write_all(out, frame)) ::_exit(3);
  }
  ::_exit(0);
}

struct Job {
  pid_t pid = -1;
  int from = -1;        // the read end of its pipe; -1 once at EOF
  std::string pending;  // bytes of a frame not yet complete
};

void take_frames(Job& job, std::vector<std::optional<nlohmann::json>>& out) {
  while (job.pending.size() >= kHeader) {
    std::uint64_t header[2];
    std::memcpy(header, job.pending.data(), kHeader);
    if (job.pending.size() - kHeader < header[1]) return;
    try {
      auto j = nlohmann::json::from_cbor(job.pending.begin() + kHeader,
                                         job.pending.begin() + kHeader + header[1]);
      if (header[0] < out.size()) out[header[0]] = std::move(j);
    } catch (const nlohmann::json::exception&) {
      // A garbled frame is a missing result, reported as such by the caller.
    }
    job.pending.erase(0, kHeader + header[1]);
  }
}

}  // namespace

int default_replay_jobs() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

std::vector<std::optional<nlohmann::json>> run_in_jobs(
    std::size_t n, int jobs, const std::function<nlohmann::json(std::size_t)>& work) {
  std::vector<std::optional<nlohmann::json>> out(n);
  const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(std::max(jobs, 1)), n);
  if (count <= 1) {
    for (std::size_t i = 0; i < n; ++i) out[i] = work(i);
    return out;
  }
  void* m = ::mmap(nullptr, sizeof(SharedNext), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
  if (m == MAP_FAILED) throw HarnessError("", -1, "", "replay: mmap failed");
  auto* shared = new (m) SharedNext{};
  shared->next = 0;

  std::vector<Job> running;
  std::fflush(nullptr);  // nothing buffered may be written twice
  for (std::size_t j = 0; j < count; ++j) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) break;
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      for (const Job& other : running) ::close(other.from);
      job_main(shared, n, fds[1], work);
    }
    ::close(fds[1]);
    if (pid < 0) {
      ::close(fds[0]);
      break;
    }
    running.push_back({pid, fds[0], {}});
  }
  if (running.empty()) {  // no fork: do it here
    ::munmap(m, sizeof(SharedNext));
    for (std::size_t i = 0; i < n; ++i) out[i] = work(i);
    return out;
  }

  for (std::size_t open = running.size(); open > 0;) {
    std::vector<pollfd> fds;
    std::vector<Job*> whose;
    for (Job& job : running)
      if (job.from >= 0) {
        fds.push_back({job.from, POLLIN, 0});
        whose.push_back(&job);
      }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Job& job = *whose[k];
      char buf[65536];
      const ssize_t got = ::read(job.from, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(job.from);
        job.from = -1;
        --open;
        continue;
      }
      job.pending.append(buf, static_cast<std::size_t>(got));
      take_frames(job, out);
    }
  }
  for (Job& job : running) {
    if (job.from >= 0) ::close(job.from);
    int status = 0;
    while (::waitpid(job.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ::munmap(m, sizeof(SharedNext));
  return out;
}

}  // namespace fdlab
