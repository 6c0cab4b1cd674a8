#include "native/host_ops.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "native/host_flags.h"

namespace fdlab::native {
namespace {

// The kernel raises SIGPIPE only together with EPIPE (unix_stream_sendmsg and pipe_write both
// call send_sig(SIGPIPE, current) on their EPIPE path), so only then is it worth a syscall to
// look. The worker keeps SIGPIPE blocked: the signal stays pending on the thread, and taking it
// here both reports it and stops it from leaking into the next operation.
void take_sigpipe(HostResult& r) {
  if (r.err != EPIPE) return;
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  const timespec zero{};
  r.sigpipe = ::sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE;
}

// Control buffers: small ones live on the stack (the common case, and the benchmark's), big
// ones (up to 253+ fds) on the heap. Aligned for cmsghdr either way.
class ControlBuffer {
 public:
  explicit ControlBuffer(std::size_t len) : len_(len) {
    if (len > sizeof(small_)) big_.reset(new cmsghdr[len / sizeof(cmsghdr) + 1]);
    std::memset(data(), 0, len);
  }
  void* data() { return big_ ? static_cast<void*>(big_.get()) : static_cast<void*>(small_); }
  std::size_t size() const { return len_; }

 private:
  cmsghdr small_[16];
  std::unique_ptr<cmsghdr[]> big_;
  std::size_t len_;
};

// SCM_CREDENTIALS, symbolically, as far as the cmsg holds it (put_cmsg cuts one that does not
// fit). Every scenario process is a thread of this process, so a scenario pid is our tgid
// (getpid) for all of them; pid 0 is a segment sent without credentials (or a stream's EOF);
// pid 1 is init, which a sender may name. Any other pid is a harness failure.
bool read_creds(HostResult& r, const cmsghdr* c) {
  const std::size_t bytes = c->cmsg_len - CMSG_LEN(0);
  std::uint32_t v[3] = {0, 0, 0};
  std::memcpy(v, CMSG_DATA(c), std::min(bytes, sizeof v));
  const int fields = static_cast<int>(std::min<std::size_t>(bytes / 4, 3));
  return host_creds(r, "SCM_CREDENTIALS", static_cast<pid_t>(v[0]), v[1], v[2], fields);
}

}  // namespace

bool host_creds(HostResult& r, const char* what, pid_t pid, std::uint32_t uid, std::uint32_t gid,
                int fields) {
  r.creds.present = true;
  r.creds.fields = fields;
  if (fields >= 1) {
    if (pid == 0) {
      r.creds.pid = CredPid::none;
    } else if (pid == ::getpid()) {
      r.creds.pid = CredPid::scenario;
    } else if (pid == 1) {
      r.creds.pid = CredPid::init;
    } else {
      r.failure = std::string(what) + " from an unexpected pid " + std::to_string(pid);
      return false;
    }
  }
  r.creds.uid = {static_cast<long>(uid) == harness_uid(), static_cast<std::int64_t>(uid)};
  r.creds.gid = {static_cast<long>(gid) == harness_gid(), static_cast<std::int64_t>(gid)};
  return true;
}

bool host_describe(HostResult& r, int fd, Description d, Cloexec cloexec) {
  HostFd out;
  out.fd = fd;
  out.description = d;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    r.fail("fstat of a new fd", errno);
    return false;
  }
  out.key.dev = static_cast<std::uint64_t>(st.st_dev);
  out.key.ino = static_cast<std::uint64_t>(st.st_ino);
  out.key.socket = S_ISSOCK(st.st_mode);
  if (S_ISFIFO(st.st_mode)) {
    // Both ends of a pipe are descriptions of one inode; the access mode tells them apart.
    int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0) {
      r.fail("F_GETFL of a new fd", errno);
      return false;
    }
    out.key.fifo_mode = fl & O_ACCMODE;
  }
  if (cloexec == Cloexec::read_back) {
    int fdfl = ::fcntl(fd, F_GETFD);
    if (fdfl < 0) {
      r.fail("F_GETFD of a new fd", errno);
      return false;
    }
    out.cloexec = (fdfl & FD_CLOEXEC) != 0;
  } else {
    out.cloexec = cloexec == Cloexec::set;
  }
  r.fds.push_back(out);
  return true;
}

void host_socketpair(HostResult& r, SockType type, bool nonblock, bool cloexec) {
  int sv[2];
  if (r.record(::socketpair(AF_UNIX, host_sock_type(type, nonblock, cloexec), 0, sv)))
    host_describe(r, sv[0], Description::opened) && host_describe(r, sv[1], Description::opened);
}

void host_pipe(HostResult& r, bool cloexec) {
  int fds[2];
  if (r.record(::pipe2(fds, cloexec ? O_CLOEXEC : 0)))
    host_describe(r, fds[0], Description::opened) && host_describe(r, fds[1], Description::opened);
}

void host_open_temp(HostResult& r, const std::string& dir, bool cloexec) {
  const int fd_flags = cloexec ? O_CLOEXEC : 0;
  // O_TMPFILE: a regular file that never has a name, so nothing can be left behind in dir.
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | fd_flags, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
    std::string path = dir + "/fileXXXXXX";
    fd = ::mkostemp(path.data(), fd_flags);
    if (fd >= 0 && ::unlink(path.c_str()) != 0) r.fail("unlink of a temp file", errno);
  }
  if (r.record(fd)) host_describe(r, fd, Description::opened);
}

void host_sendmsg(HostResult& r, int sock, const SendArgs& args, const std::string& tag) {
  iovec iov{const_cast<char*>(args.data.data()), args.data.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  AddrBuffer dest;
  if (args.dest) {
    host_make_addr(dest, *args.dest, tag);
    m.msg_name = dest.bytes;
    m.msg_namelen = dest.len;
  }
  const std::size_t payload = args.fds.size() * sizeof(int);
  if (args.control.given) {
    // The scenario states msg_control byte for byte; core lays it out (core/control_message.h).
    // "own" is the sending thread's ids (set_ids may have changed them): raw getuid is per
    // thread, as the kernel's current_cred() is.
    std::string image = control_image(
        args.control, CredNumbers{::getpid(), static_cast<std::int64_t>(::syscall(SYS_getuid)),
                                  static_cast<std::int64_t>(::syscall(SYS_getgid))});
    ControlBuffer control(image.size());
    std::memcpy(control.data(), image.data(), image.size());
    m.msg_control = args.control.null ? nullptr : control.data();
    m.msg_controllen = control_length(args.control);
    r.record(::sendmsg(sock, &m, host_msg_flags(args.flags)));
    take_sigpipe(r);
    return;
  }
  ControlBuffer control(args.fds.empty() ? 0 : CMSG_SPACE(payload));
  if (!args.fds.empty()) {
    m.msg_control = control.data();
    m.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(payload);
    std::memcpy(CMSG_DATA(c), args.fds.data(), payload);
  }
  r.record(::sendmsg(sock, &m, host_msg_flags(args.flags)));
  take_sigpipe(r);
}

void host_recvmsg(HostResult& r, int sock, const RecvArgs& args, const std::string& tag) {
  r.data.resize(args.len);
  iovec iov{r.data.data(), args.len};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  AddrBuffer from;
  if (args.want_name) {
    m.msg_name = from.bytes;
    m.msg_namelen = sizeof from.bytes;
  }
  ControlBuffer control(args.control_len);
  // A NULL msg_control may still have a length.
  m.msg_control = args.has_control ? control.data() : nullptr;
  m.msg_controllen = args.control_len;
  const int flags = host_msg_flags(args.flags);
  if (!r.record(::recvmsg(sock, &m, flags))) {
    r.data.clear();
    return;
  }
  // With MSG_TRUNC a datagram's full length comes back, which may exceed the buffer.
  r.data.resize(std::min(static_cast<std::size_t>(r.ret), args.len));
  r.msg_flags = m.msg_flags;
  r.msg_controllen = args.has_control ? m.msg_controllen : 0;
  if (args.want_name) {
    r.name = host_read_addr(r, from.bytes, m.msg_namelen, tag);
    if (!r.failure.empty()) return;
  }
  if (m.msg_control == nullptr) return;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET) {
      r.failure = "a cmsg of level " + std::to_string(c->cmsg_level) + " on an AF_UNIX socket";
      return;
    }
    if (!r.cmsgs.push_back({c->cmsg_type, static_cast<std::size_t>(c->cmsg_len)})) {
      r.failure = "more cmsgs than an AF_UNIX socket writes";
      return;
    }
    if (c->cmsg_type == SCM_CREDENTIALS) {
      if (!read_creds(r, c)) return;
      continue;
    }
    // SCM_PIDFD (Linux 6.5) and SCM_INQ (6.17) hold one int, when their cmsg_len holds it.
    if (c->cmsg_type == 4 || c->cmsg_type == 84) {
      if (c->cmsg_len < CMSG_LEN(sizeof(int))) continue;
      int v;
      std::memcpy(&v, CMSG_DATA(c), sizeof v);
      r.cmsgs.back().value = v;
      // A pidfd is a new description of the sender's pid; every pidfd of one pid shares its
      // pidfs inode, so the key is a shared one (native/object_identity.h).
      if (c->cmsg_type == 4 && v >= 0) {
        if (!host_describe(r, v, Description::opened)) return;
        r.fds.back().key.shared = true;
      }
      continue;
    }
    if (c->cmsg_type != SCM_RIGHTS) {
      r.failure = "a cmsg of type " + std::to_string(c->cmsg_type) + " the model cannot name";
      return;
    }
    // scm_detach_fds installs each fd with O_CLOEXEC exactly when the call passed
    // MSG_CMSG_CLOEXEC (receive_fd -> get_unused_fd_flags); the sender's flag does not
    // travel. So no F_GETFD: the flag is known. (The pidfd above is read back: pidfd_prepare
    // chooses its flags itself.)
    const Cloexec cloexec = (flags & MSG_CMSG_CLOEXEC) != 0 ? Cloexec::set : Cloexec::clear;
    std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (!host_describe(r, fd, Description::existing, cloexec)) return;
    }
  }
}

void host_read(HostResult& r, int fd, std::size_t len) {
  r.data.resize(len);
  if (r.record(::read(fd, r.data.data(), len)))
    r.data.resize(static_cast<std::size_t>(r.ret));
  else
    r.data.clear();
}

void host_write(HostResult& r, int fd, const std::string& data) {
  r.record(::write(fd, data.data(), data.size()));
  take_sigpipe(r);
}

void host_lseek(HostResult& r, int fd, long offset, Whence whence) {
  int w = whence == Whence::set ? SEEK_SET : whence == Whence::cur ? SEEK_CUR : SEEK_END;
  r.record(static_cast<long>(::lseek(fd, static_cast<off_t>(offset), w)));
}

void host_fcntl(HostResult& r, int fd, FcntlCmd cmd, long arg) {
  switch (cmd) {
    case FcntlCmd::getfd:
      if (r.record(::fcntl(fd, F_GETFD))) r.ret = fd_flags_from_host(static_cast<int>(r.ret));
      break;
    case FcntlCmd::setfd:
      r.record(::fcntl(fd, F_SETFD, host_fd_flags(arg)));
      break;
    case FcntlCmd::getfl:
      if (r.record(::fcntl(fd, F_GETFL))) r.ret = status_flags_from_host(static_cast<int>(r.ret));
      break;
    case FcntlCmd::setfl:
      r.record(::fcntl(fd, F_SETFL, host_status_flags(arg)));
      break;
  }
}

void host_dup(HostResult& r, int fd) {
  if (r.record(::dup(fd))) host_describe(r, static_cast<int>(r.ret), Description::existing);
}

void host_close(HostResult& r, int fd) { r.record(::close(fd)); }

void host_shutdown(HostResult& r, int fd, ShutHow how) {
  int h = how == ShutHow::rd ? SHUT_RD : how == ShutHow::wr ? SHUT_WR : SHUT_RDWR;
  r.record(::shutdown(fd, h));
}

void host_close_all_above_stdio(HostResult& r) { r.record(::close_range(3, ~0U, 0)); }

}  // namespace fdlab::native
