#include "cli/capture_run.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "capture/capture_shared.h"
#include "cli/scratch_dir.h"

namespace fdlab {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// The mapping's size: the header, then the log, page-aligned.
std::size_t header_bytes() {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (sizeof(fdlab_capture_header) + page - 1) / page * page;
}

fdlab_capture_header* make_shared(const std::string& path, std::size_t log_bytes) {
  const std::size_t size = header_bytes() + log_bytes;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create " + path);
  // Sparse: pages are used as the log grows.
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) fail("cannot size " + path);
  void* m = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) fail("cannot map " + path);
  auto* h = static_cast<fdlab_capture_header*>(m);
  h->size = size;
  h->log_offset = header_bytes();
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&h->lock, &attr);
  pthread_mutexattr_destroy(&attr);
  // Written last: a process that maps the file before this sees no capture.
  __atomic_store_n(&h->magic, FDLAB_CAPTURE_MAGIC, __ATOMIC_RELEASE);
  return h;
}

// A process of the program that a signal ended (other than the SIGPIPE the library saw) has
// its fds closed by the kernel: recorded here, when fdlab reaps it, under the same lock, so
// that the scenario closes them there rather than at its end.
void record_death(fdlab_capture_header* h, pid_t pid, int sig) {
  if (pthread_mutex_lock(&h->lock) == EOWNERDEAD) pthread_mutex_consistent(&h->lock);
  const std::string line = "{\"seq\":" + std::to_string(h->seq) +
                           ",\"pid\":" + std::to_string(pid) +
                           ",\"call\":\"exit\",\"how\":\"signal " + std::to_string(sig) +
                           "\",\"reaped\":true,\"fds\":[]}\n";
  char* log = reinterpret_cast<char*>(h) + h->log_offset;
  if (h->log_offset + h->log_used + line.size() <= h->size && !h->overflowed) {
    std::copy(line.begin(), line.end(), log + h->log_used);  // a log line, no NUL
    h->seq++;
    __atomic_store_n(&h->log_used, h->log_used + line.size(), __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&h->lock);
}

std::string describe_status(int status, int& code) {
  if (WIFEXITED(status)) {
    code = WEXITSTATUS(status);
    return "exited with status " + std::to_string(code);
  }
  if (WIFSIGNALED(status)) {
    code = 128 + WTERMSIG(status);
    return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  code = 255;
  return "ended";
}

}  // namespace

CapturedRun run_captured(const std::vector<std::string>& argv, const std::string& library,
                         std::size_t log_bytes) {
  if (argv.empty()) throw std::runtime_error("no program to run");
  ScratchDir dir("fdlab-capture");
  const std::string path = dir.path() + "/shared";
  fdlab_capture_header* h = make_shared(path, log_bytes);

  // Orphans of the program (a daemonized child, a grandchild whose parent went first) are
  // reparented to fdlab, so that every process can be waited for.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) fail("PR_SET_CHILD_SUBREAPER");

  std::string preload = library;
  if (const char* old = std::getenv("LD_PRELOAD"); old && *old) preload += std::string(":") + old;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  // The child reports a failed exec through a close-on-exec pipe: EOF means it ran.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) fail("pipe2");
  const pid_t child = ::fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    ::close(report[0]);
    ::setenv("LD_PRELOAD", preload.c_str(), 1);
    ::setenv(FDLAB_CAPTURE_ENV, path.c_str(), 1);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    const int e = errno;
    if (::write(report[1], &e, sizeof e) != sizeof e) ::_exit(126);
    ::_exit(127);
  }
  ::close(report[1]);
  // ^C stops the program (the terminal signals its whole process group), not fdlab: what was
  // captured until then is still written.
  struct sigaction ignore {
  }, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(report[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  ::close(report[0]);

  CapturedRun run;
  for (;;) {
    int status = 0;
    const pid_t p = ::waitpid(-1, &status, 0);
    if (p < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;  // every process of the program is gone
      fail("waitpid");
    }
    if (WIFSIGNALED(status)) record_death(h, p, WTERMSIG(status));
    if (p == child) run.how_it_ended = describe_status(status, run.exit_status);
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    ::munmap(h, h->size);
    errno = exec_errno;
    fail("cannot run " + argv[0]);
  }

  const std::size_t used = __atomic_load_n(&h->log_used, __ATOMIC_ACQUIRE);
  run.log.assign(reinterpret_cast<const char*>(h) + h->log_offset, used);
  run.overflowed = h->overflowed != 0;
  ::munmap(h, h->size);
  return run;
}

std::string find_capture_library() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("FDLAB_CAPTURE_LIBRARY"); env && *env) {
    if (fs::exists(env)) return fs::absolute(env).string();
    throw std::runtime_error(std::string("FDLAB_CAPTURE_LIBRARY names ") + env +
                             ", which does not exist");
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find fdlab's own path: " + ec.message());
  const fs::path bin = exe.parent_path();
  const char* name = "libfdlab_capture.so";
  // The build tree (build/default/cli/fdlab, build/default/capture/), then the install
  // (PREFIX/bin/fdlab, PREFIX/LIBDIR/fdlab/).
  for (const fs::path& candidate :
       {bin.parent_path() / "capture" / name,
        bin.parent_path() / FDLAB_INSTALL_LIBDIR / "fdlab" / name, bin / name}) {
    if (fs::exists(candidate, ec)) return candidate.string();
  }
  throw std::runtime_error(std::string(name) + " is neither in " +
                           (bin.parent_path() / "capture").string() + " nor in " +
                           (bin.parent_path() / FDLAB_INSTALL_LIBDIR / "fdlab").string() +
                           " (set FDLAB_CAPTURE_LIBRARY)");
}

}  // namespace fdlab
