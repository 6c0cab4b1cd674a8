// The real syscalls behind named sockets, socket options and RLIMIT_NOFILE. Like host_ops.cpp,
// each runs on the worker thread of the scenario process; its cwd is the scenario's private
// directory (the worker has its own fs_struct, unshare(CLONE_FS)), so socket paths are the
// scenario's own relative names and the 108-byte sun_path limit is measured on them as written.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "core/harness_error.h"
#include "native/host_ops.h"

namespace fdlab::native {
namespace {

bool done(HostResult& r, long rc) {
  r.ret = rc;
  r.err = rc < 0 ? errno : 0;
  return rc >= 0;
}

// An address buffer larger than sockaddr_un, so that a name too long for sun_path still
// reaches the kernel with its true length and the kernel (unix_validate_addr,
// move_addr_to_kernel) is the one that refuses it.
struct AddrBuffer {
  alignas(sockaddr_un) char bytes[sizeof(sa_family_t) + 1 + 512];
  socklen_t len = 0;
};

// SUN_LEN-style: offsetof(sun_path) + the name, no NUL (measured: a 108-byte path binds).
void make_addr(AddrBuffer& b, const SockAddr& a, const std::string& tag) {
  std::memset(b.bytes, 0, sizeof b.bytes);
  const sa_family_t family = AF_UNIX;
  std::memcpy(b.bytes, &family, sizeof family);
  char* path = b.bytes + offsetof(sockaddr_un, sun_path);
  std::size_t n = 0;
  if (a.abstract) {
    path[n++] = '\0';  // the abstract namespace: sun_path[0] == 0
    std::memcpy(path + n, tag.data(), tag.size());
    n += tag.size();
  }
  const std::size_t room = sizeof b.bytes - offsetof(sockaddr_un, sun_path) - n;
  const std::size_t copy = a.name.size() < room ? a.name.size() : room;
  std::memcpy(path + n, a.name.data(), copy);
  b.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n + copy);
}

int host_type(SockType type) {
  return type == SockType::stream      ? SOCK_STREAM
         : type == SockType::seqpacket ? SOCK_SEQPACKET
                                       : SOCK_DGRAM;
}

int host_opt(SockOpt opt) {
  switch (opt) {
    case SockOpt::sndbuf:
      return SO_SNDBUF;
    case SockOpt::rcvbuf:
      return SO_RCVBUF;
    case SockOpt::passcred:
      return SO_PASSCRED;
    case SockOpt::type:
      return SO_TYPE;
  }
  return -1;
}

}  // namespace

void host_socket(HostResult& r, SockType type, bool nonblock, bool cloexec) {
  int t = host_type(type) | (nonblock ? SOCK_NONBLOCK : 0) | (cloexec ? SOCK_CLOEXEC : 0);
  if (done(r, ::socket(AF_UNIX, t, 0))) host_describe(r, static_cast<int>(r.ret));
}

void host_bind(HostResult& r, int sock, const SockAddr& addr, const std::string& tag) {
  AddrBuffer b;
  make_addr(b, addr, tag);
  done(r, ::bind(sock, reinterpret_cast<const sockaddr*>(b.bytes), b.len));
}

void host_listen(HostResult& r, int sock, int backlog) { done(r, ::listen(sock, backlog)); }

void host_connect(HostResult& r, int sock, const SockAddr& addr, const std::string& tag) {
  AddrBuffer b;
  make_addr(b, addr, tag);
  done(r, ::connect(sock, reinterpret_cast<const sockaddr*>(b.bytes), b.len));
}

void host_accept(HostResult& r, int sock, bool nonblock, bool cloexec) {
  int flags = (nonblock ? SOCK_NONBLOCK : 0) | (cloexec ? SOCK_CLOEXEC : 0);
  if (done(r, ::accept4(sock, nullptr, nullptr, flags))) host_describe(r, static_cast<int>(r.ret));
}

void host_unlink(HostResult& r, const std::string& path) { done(r, ::unlink(path.c_str())); }

void host_setsockopt(HostResult& r, int sock, SockOpt opt, long value) {
  int v = static_cast<int>(value);
  done(r, ::setsockopt(sock, SOL_SOCKET, host_opt(opt), &v, sizeof v));
}

void host_getsockopt(HostResult& r, int sock, SockOpt opt) {
  int v = 0;
  socklen_t len = sizeof v;
  if (!done(r, ::getsockopt(sock, SOL_SOCKET, host_opt(opt), &v, &len))) return;
  if (opt != SockOpt::type) {
    r.value = v;
    return;
  }
  if (v == SOCK_STREAM)
    r.value = static_cast<long>(SockType::stream);
  else if (v == SOCK_SEQPACKET)
    r.value = static_cast<long>(SockType::seqpacket);
  else if (v == SOCK_DGRAM)
    r.value = static_cast<long>(SockType::dgram);
  else
    r.failure = "SO_TYPE: unexpected type " + std::to_string(v);
}

void host_chdir(HostResult& r, const std::string& dir) {
  if (::chdir(dir.c_str()) != 0) r.failure = "chdir " + dir + ": " + std::strerror(errno);
}

void host_try_nofile(HostResult& r, long soft) {
  rlimit old{};
  if (::getrlimit(RLIMIT_NOFILE, &old) != 0) {
    r.failure = std::string("getrlimit: ") + std::strerror(errno);
    return;
  }
  rlimit want = old;
  want.rlim_cur = static_cast<rlim_t>(soft);
  if (!done(r, ::setrlimit(RLIMIT_NOFILE, &want))) return;
  if (::setrlimit(RLIMIT_NOFILE, &old) != 0)
    r.failure = std::string("setrlimit (restore): ") + std::strerror(errno);
}

NofileWindow::NofileWindow(long soft) {
  rlimit old{};
  if (::getrlimit(RLIMIT_NOFILE, &old) != 0)
    throw HarnessError("", -1, "", std::string("native: getrlimit: ") + std::strerror(errno));
  saved_soft_ = old.rlim_cur;
  hard_ = old.rlim_max;
  rlimit want{static_cast<rlim_t>(soft), old.rlim_max};
  if (::setrlimit(RLIMIT_NOFILE, &want) != 0)
    throw HarnessError("", -1, "", std::string("native: setrlimit: ") + std::strerror(errno));
}

NofileWindow::~NofileWindow() {
  // Raising the soft limit back up to (at most) the unchanged hard limit cannot fail.
  rlimit back{static_cast<rlim_t>(saved_soft_), static_cast<rlim_t>(hard_)};
  ::setrlimit(RLIMIT_NOFILE, &back);
}

}  // namespace fdlab::native
