#include "cli/runner_kernel.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cli/runner_protocol.h"
#include "core/bytes.h"
#include "core/harness_error.h"

namespace fdlab {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kProtocolVersion = 1;
constexpr std::size_t kStderrKept = 2000;

std::string& command_override() {
  static std::string command;
  return command;
}

// '...' for /bin/sh, whatever the path holds.
std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool creates(OpKind op) {
  return op == OpKind::socketpair || op == OpKind::pipe || op == OpKind::open_temp ||
         op == OpKind::socket || op == OpKind::accept || op == OpKind::open;
}

}  // namespace

void set_runner_command(const std::string& command) { command_override() = command; }

std::string default_runner_command() {
  if (!command_override().empty()) return command_override();
  if (const char* env = std::getenv("FDLAB_RUNNER"); env != nullptr && *env != '\0') return env;
  // The build puts fdlab_posix_runner next to fdlab (runner/CMakeLists.txt).
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = ".";
  if (n > 0) {
    dir.assign(self, static_cast<std::size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
  }
  return shell_quoted(dir + "/fdlab_posix_runner");
}

// ---------------------------------------------------------------------------------------------
// Identity: the runner reports each new fd's (st_dev, st_ino) (and a FIFO end's access mode).
// A creation makes a fresh inode, so a key seen at creation names the new object (an older one
// with that key is gone: a live description pins its inode). `open`'s kinds are the exception:
// the directory, O_PATH fds and /dev/null can be opened twice, and /dev/null is every process's
// stdio too; such a key names several candidates, and an fd with it cannot be told apart by
// inode alone. The native backend asks kcmp(KCMP_FILE); a portable program has no such call,
// so the runner backend says so (docs/posix-runner.md, "Identity").

ObjectId RunnerKernel::Identity::create(const std::string& key, bool shared) {
  auto& candidates = by_key_[key];
  if (!shared) candidates.clear();
  candidates.push_back(next_);
  return next_++;
}

ObjectId RunnerKernel::Identity::identify(const std::string& key, RunnerKernel& k) const {
  const auto it = by_key_.find(key);
  const std::size_t n = it == by_key_.end() ? 0 : it->second.size();
  const bool stdio = key == stdio_;
  if (n == 1 && !stdio) return it->second[0];
  if (n == 0) return 0;  // none of the scenario's objects: its stdio, say
  k.refuse("identity: an fd whose inode " + std::to_string(n + (stdio ? 1 : 0)) +
           " open file descriptions share (the scenario's `open`s" +
           (stdio ? " and stdio's /dev/null" : "") +
           "); the runner tells objects apart by inode only");
}

void RunnerKernel::Identity::clear() {
  by_key_.clear();
  stdio_.clear();
  next_ = 1;
}

// ---------------------------------------------------------------------------------------------

RunnerKernel::RunnerKernel(Options options) : options_(std::move(options)) {
  if (options_.command.empty()) options_.command = default_runner_command();
  start();
}

RunnerKernel::~RunnerKernel() { stop(); }

// The runner's stdin and stdout are one socket (MSG_NOSIGNAL: a runner that died is an
// error here, not a SIGPIPE that kills fdlab); its stderr a pipe, kept for messages. It gets
// nothing else of fdlab's: every other fd is closed before the exec.
void RunnerKernel::start() {
  int sv[2], errp[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    failed(std::string("socketpair: ") + std::strerror(errno));
  if (::pipe2(errp, O_CLOEXEC) != 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    failed(std::string("pipe: ") + std::strerror(errno));
  }
  const char* command = options_.command.c_str();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls here: fdlab may have threads.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // A group of its own: the shell, the runner and its scenario processes go together when
    // it has to be killed.
    ::setpgid(0, 0);
    if (::dup2(sv[1], 0) != 0 || ::dup2(sv[1], 1) != 1 || ::dup2(errp[1], 2) != 2) ::_exit(127);
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    ::execl("/bin/sh", "sh", "-c", command, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(sv[1]);
  ::close(errp[1]);
  if (pid < 0) {
    ::close(sv[0]);
    ::close(errp[0]);
    failed(std::string("fork: ") + std::strerror(errno));
  }
  ::setpgid(pid, pid);  // also here: either may run first
  pid_ = pid;
  io_ = sv[0];
  err_ = errp[0];
  ::fcntl(err_, F_SETFL, O_NONBLOCK);
  const runner::Hello hello = runner::parse_hello(read_line());
  if (hello.version != kProtocolVersion)
    failed("it speaks protocol " + std::to_string(hello.version) + ", fdlab " +
           std::to_string(kProtocolVersion));
  if (hello.identity != "inode")
    failed("on its host (" + hello.system +
           ") two sockets can share (st_dev, st_ino), so it cannot tell objects apart");
  uid_ = hello.uid;
  gid_ = hello.gid;
  host_abi_ = cmsg::CmsgAbi{hello.cmsg_header, hello.cmsg_header == 16 ? 8u : 4u, hello.cmsg_align};
  if (!(host_abi_ == cmsg::lp64) && !(host_abi_ == cmsg::ilp32))
    failed("its host's cmsghdr (" + std::to_string(hello.cmsg_header) + " bytes, aligned to " +
           std::to_string(hello.cmsg_align) + ") is no layout Linux has");
}

void RunnerKernel::stop() {
  if (pid_ < 0) return;
  const std::string quit = "quit\n";
  ::send(io_, quit.data(), quit.size(), MSG_NOSIGNAL);
  ::close(io_);
  ::close(err_);
  io_ = err_ = -1;
  // It ends its scenario processes and leaves; one that does not within a second is killed.
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    ::usleep(1000);
  }
  pid_ = -1;
}

void RunnerKernel::failed(const std::string& why) {
  std::string message = "runner (" + options_.command + "): " + why;
  if (pid_ >= 0) {
    // A runner that closed its end is exiting: give it a moment to be reaped, so that its
    // status can be said.
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 100 && (done = ::waitpid(pid_, &status, WNOHANG)) == 0; ++i) ::usleep(1000);
    if (done == pid_) {
      message += WIFEXITED(status)
                     ? "; it exited with status " + std::to_string(WEXITSTATUS(status))
                     : "; it was killed by signal " + std::to_string(WTERMSIG(status));
      pid_ = -2;  // reaped
    }
    if (pid_ >= 0) ::kill(-pid_, SIGKILL);
    char buf[4096];
    ssize_t n;
    while (err_ >= 0 && (n = ::read(err_, buf, sizeof buf)) > 0)
      stderr_tail_.append(buf, static_cast<std::size_t>(n));
    ::close(io_);
    ::close(err_);
    io_ = err_ = -1;
    if (pid_ >= 0) ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (!stderr_tail_.empty()) {
    if (stderr_tail_.size() > kStderrKept)
      stderr_tail_ = "..." + stderr_tail_.substr(stderr_tail_.size() - kStderrKept);
    message += "; its stderr: " + stderr_tail_;
  }
  throw HarnessError("", -1, "", message);
}

void RunnerKernel::refuse(const std::string& what) {
  if (unsupported_.empty()) unsupported_ = what;
  throw HarnessError("", -1, "", "runner: unsupported " + what);
}

void RunnerKernel::send(const std::string& line) {
  for (std::size_t at = 0; at < line.size();) {
    const ssize_t n = ::send(io_, line.data() + at, line.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) failed(std::string("it stopped reading requests (") + std::strerror(errno) + ")");
    at += static_cast<std::size_t>(n);
  }
}

std::string RunnerKernel::read_line() {
  const auto deadline = Clock::now() + options_.answer_timeout;
  for (;;) {
    const auto nl = in_.find('\n');
    if (nl != std::string::npos) {
      std::string line = in_.substr(0, nl);
      in_.erase(0, nl + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0)
      failed("no answer within " + std::to_string(options_.answer_timeout.count() / 1000) + " s");
    pollfd fds[2] = {{io_, POLLIN, 0}, {err_, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR)
      failed(std::string("poll: ") + std::strerror(errno));
    char buf[65536];
    if (fds[1].revents != 0) {
      const ssize_t n = ::read(err_, buf, sizeof buf);
      if (n > 0) stderr_tail_.append(buf, static_cast<std::size_t>(n));
      if (stderr_tail_.size() > 2 * kStderrKept)
        stderr_tail_.erase(0, stderr_tail_.size() - kStderrKept);
    }
    if (fds[0].revents != 0) {
      const ssize_t n = ::read(io_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) failed("it exited");
      in_.append(buf, static_cast<std::size_t>(n));
    }
  }
}

runner::Answer RunnerKernel::ask(const std::string& line) {
  if (pid_ < 0) failed("it is no longer running");
  send(line + "\n");
  runner::Answer a = runner::parse_answer(read_line());
  if (a.kind == runner::Answer::Kind::fail) failed(a.text);
  if (a.kind == runner::Answer::Kind::unsupported) refuse(a.text);
  return a;
}

ProcId RunnerKernel::add_process() {
  const runner::Answer a = ask("proc");
  const std::string* pid = a.find("pid");
  const std::string* stdio = a.find("stdio");
  if (a.kind != runner::Answer::Kind::ok || pid == nullptr || stdio == nullptr ||
      a.ret != static_cast<long>(pids_.size()))
    failed("a new process was not answered 'ok " + std::to_string(pids_.size()) +
           " pid=PID stdio=KEY'");
  pids_.push_back(std::atoll(pid->c_str()));
  identity_.set_stdio(*stdio);  // every process's: one inode, /dev/null's
  return static_cast<ProcId>(a.ret);
}

Outcome RunnerKernel::call(ProcId p, const Call& c) {
  if (host_abi_ == cmsg::lp64) {
    runner::Answer a = ask(runner::request_line(p, c));
    return outcome(p, c, a);
  }
  RecvArgs storage;
  const Call host = translate_control(c, storage);
  runner::Answer a = ask(runner::request_line(p, host));
  Outcome o = outcome(p, c, a);
  translate_control(c, o);
  return o;
}

// Scenarios state control buffers in x86-64's layout; a host with a smaller cmsghdr (wasm32,
// i386: 12 bytes) gets a buffer that holds the same cmsgs and the same number of fds: 4 bytes
// less from 16 bytes on (scm_max_fds: (L - 16) / 4 = (L - 4 - 12) / 4), and below 16, where
// x86-64 has no room for a header, no room for one either. A sendmsg that states its
// msg_controllen or a cmsg_len has no such translation: it is the runner's "unsupported".
Call RunnerKernel::translate_control(const Call& c, RecvArgs& storage) {
  Call host = c;
  const std::size_t delta = cmsg::lp64.header_size - host_abi_.header_size;
  if (c.op == OpKind::recvmsg) {
    storage = c.recv;
    const std::size_t len = c.recv.control_len;
    storage.control_len = len >= cmsg::lp64.header_size ? len - delta
                                                        : std::min(len, host_abi_.header_size - 1);
    host.recv = storage;
  }
  if (c.op == OpKind::sendmsg && c.send && c.send->control.given && !c.send->control.null) {
    bool stated = c.send->control.controllen.has_value();
    for (const SendCmsg& m : c.send->control.cmsgs) stated = stated || m.cmsg_len.has_value();
    if (stated)
      refuse(
          "sendmsg: msg_controllen or cmsg_len stated in x86-64's layout, on a host whose "
          "cmsghdr is " + std::to_string(host_abi_.header_size) + " bytes");
  }
  return host;
}

// And back: each cmsg's length as x86-64 writes it, and msg_controllen as the sum of their
// CMSG_SPACEs, cut to the buffer (a cmsg that did not fit whole used all that was left).
void RunnerKernel::translate_control(const Call& c, Outcome& o) const {
  if (c.op != OpKind::recvmsg || !o.succeeded()) return;
  const std::size_t delta = cmsg::lp64.header_size - host_abi_.header_size;
  std::size_t used = 0;
  RecvCmsgs cmsgs;
  for (RecvCmsg m : o.cmsgs) {
    const std::size_t payload = m.len >= host_abi_.header_size ? m.len - host_abi_.header_size : 0;
    m.len = m.len >= host_abi_.header_size ? m.len + delta : m.len;
    used += cmsg::lp64.space(payload);
    cmsgs.push_back(m);
  }
  o.cmsgs = cmsgs;
  if (o.msg_controllen > 0) o.msg_controllen = std::min(used, c.recv.control_len);
}

// Credentials named as the other backends name them (core/kernel.h, Creds): pid 0 none, a
// scenario process's pid scenario, 1 init; ids "self" when they are the runner's own.
Creds RunnerKernel::creds(const runner::Answer& a) {
  Creds c;
  c.present = true;
  c.fields = a.creds.fields;
  if (c.fields >= 1) {
    if (a.creds.pid == 0)
      c.pid = CredPid::none;
    else if (std::find(pids_.begin(), pids_.end(), a.creds.pid) != pids_.end())
      c.pid = CredPid::scenario;
    else if (a.creds.pid == 1)
      c.pid = CredPid::init;
    else
      failed("credentials from pid " + std::to_string(a.creds.pid) +
             ", no scenario process's, none and not init");
  }
  c.uid = {a.creds.uid == uid_, a.creds.uid};
  c.gid = {a.creds.gid == gid_, a.creds.gid};
  return c;
}

Outcome RunnerKernel::outcome(ProcId, const Call& c, runner::Answer& a) {
  if (a.kind == runner::Answer::Kind::blocked) return Outcome::would_block();
  Outcome o;
  if (a.kind == runner::Answer::Kind::err) {
    o = Outcome::failure(a.err);
    o.sigpipe = a.sigpipe;
    return o;
  }
  o.ret = a.has_flags ? a.value : a.ret;  // fcntl's getters answer names, the core wants bits
  o.data = std::move(a.data);
  o.msg_flags = a.msg_flags;
  o.msg_controllen = a.controllen;
  o.cmsgs = a.cmsgs;
  o.value = a.value;
  o.sigpipe = a.sigpipe;
  if (a.has_name) o.name = a.name;
  if (a.creds.present) o.creds = creds(a);
  for (const runner::AnsweredFd& f : a.fds) {
    const ObjectId object = creates(c.op) ? identity_.create(f.key, c.op == OpKind::open)
                                          : identity_.identify(f.key, *this);
    o.fds.push_back({f.fd, object, f.cloexec});
  }
  return o;
}

Leftovers RunnerKernel::finish() {
  Leftovers left;
  if (pid_ < 0) return left;  // it died, and said so when it did
  const runner::Answer a = ask("finish");
  const std::string *open = a.find("open"), *leaked = a.find("leaked"), *detail = a.find("detail");
  if (open == nullptr || leaked == nullptr || detail == nullptr ||
      !decode_hex(*detail, left.detail))
    failed("'finish' was not answered 'ok 0 open=N leaked=N detail=HEX'");
  left.open_fds = std::atoi(open->c_str());
  left.leaked = std::atoi(leaked->c_str());
  pids_.clear();
  identity_.clear();
  return left;
}

}  // namespace fdlab
