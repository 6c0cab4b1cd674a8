// The real syscalls behind named sockets, socket options and RLIMIT_NOFILE. Like host_ops.cpp,
// each runs on the worker thread of the scenario process; its cwd is the scenario's private
// directory (the worker has its own fs_struct, unshare(CLONE_FS)), so socket paths are the
// scenario's own relative names and the 108-byte sun_path limit is measured on them as written.
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>

#include "native/backend_failure.h"
#include "native/host_flags.h"
#include "native/host_ops.h"

namespace fdlab::native {
namespace {

bool autobind_name(const std::string& n) {
  if (n.size() != 5) return false;
  for (char ch : n)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  return true;
}

}  // namespace

// SUN_LEN-style: offsetof(sun_path) + the name, no NUL (measured: a 108-byte path binds).
void host_make_addr(AddrBuffer& b, const SockAddr& a, const std::string& tag) {
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
  b.len = static_cast<unsigned>(offsetof(sockaddr_un, sun_path) + n + copy);
}

ReportedAddr host_read_addr(HostResult& r, const void* addr, std::size_t len,
                            const std::string& tag) {
  ReportedAddr out;
  const std::size_t head = offsetof(sockaddr_un, sun_path);
  if (len <= head) return out;  // unnamed: the family alone, or nothing
  const char* path = static_cast<const char*>(addr) + head;
  std::string name(path, len - head);
  if (name[0] != '\0') {
    // A path as bound: the kernel may add a NUL after it (unix_mkname_bsd).
    const auto nul = name.find('\0');
    if (nul != std::string::npos) name.resize(nul);
    out.kind = ReportedAddr::Kind::named;
    out.addr = {name, false};
    return out;
  }
  name.erase(0, 1);
  if (name.compare(0, tag.size(), tag) == 0) {
    out.kind = ReportedAddr::Kind::named;
    out.addr = {name.substr(tag.size()), true};
  } else if (autobind_name(name)) {
    out.kind = ReportedAddr::Kind::autobind;
  } else {
    r.failure = "an abstract address no scenario made: '" + name + "'";
  }
  return out;
}

namespace {

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
    case SockOpt::passrights:
      return 83;  // SO_PASSRIGHTS (Linux 6.16), newer than this machine's headers
    case SockOpt::inq:
      return 84;  // SO_INQ (Linux 6.17)
    case SockOpt::peercred:
      return SO_PEERCRED;
    case SockOpt::peek_off:
      return SO_PEEK_OFF;
    case SockOpt::passpidfd:
      return 76;  // SO_PASSPIDFD (Linux 6.5)
    case SockOpt::peerpidfd:
      return 77;  // SO_PEERPIDFD (Linux 6.5)
    case SockOpt::oobinline:
      return SO_OOBINLINE;
  }
  return -1;
}

}  // namespace

void host_socket(HostResult& r, SockType type, bool nonblock, bool cloexec) {
  if (r.record(::socket(AF_UNIX, host_sock_type(type, nonblock, cloexec), 0)))
    host_describe(r, static_cast<int>(r.ret), Description::opened);
}

void host_bind(HostResult& r, int sock, const SockAddr& addr, const std::string& tag) {
  AddrBuffer b;
  host_make_addr(b, addr, tag);
  r.record(::bind(sock, reinterpret_cast<const sockaddr*>(b.bytes), static_cast<socklen_t>(b.len)));
}

void host_listen(HostResult& r, int sock, int backlog) { r.record(::listen(sock, backlog)); }

void host_connect(HostResult& r, int sock, const SockAddr& addr, const std::string& tag) {
  AddrBuffer b;
  host_make_addr(b, addr, tag);
  r.record(::connect(sock, reinterpret_cast<const sockaddr*>(b.bytes), static_cast<socklen_t>(b.len)));
}

void host_accept(HostResult& r, int sock, bool nonblock, bool cloexec) {
  // The accepted socket is a new open file description (and a new inode).
  if (r.record(::accept4(sock, nullptr, nullptr, host_sock_flags(nonblock, cloexec))))
    host_describe(r, static_cast<int>(r.ret), Description::opened);
}

void host_unlink(HostResult& r, const std::string& path) { r.record(::unlink(path.c_str())); }

void host_setsockopt(HostResult& r, int sock, SockOpt opt, long value) {
  int v = static_cast<int>(value);
  r.record(::setsockopt(sock, SOL_SOCKET, host_opt(opt), &v, sizeof v));
}

void host_getsockopt(HostResult& r, int sock, SockOpt opt) {
  if (opt == SockOpt::peercred) {
    // Every scenario process is a thread of this one: a peer's pid is ours or none (0).
    ucred u{};
    socklen_t ulen = sizeof u;
    if (r.record(::getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &u, &ulen)))
      host_creds(r, "SO_PEERCRED", u.pid, u.uid, u.gid, 3);
    return;
  }
  int v = 0;
  socklen_t len = sizeof v;
  if (!r.record(::getsockopt(sock, SOL_SOCKET, host_opt(opt), &v, &len))) return;
  if (opt == SockOpt::peerpidfd) {
    // A new pidfd: a new description of a pidfs inode every pidfd of that pid shares.
    r.value = v;
    if (host_describe(r, v, Description::opened)) r.fds.back().key.shared = true;
    return;
  }
  if (opt != SockOpt::type) {
    r.value = v;
    return;
  }
  if (std::optional<SockType> type = sock_type_from_host(v))
    r.value = static_cast<long>(*type);
  else
    r.failure = "SO_TYPE: unexpected type " + std::to_string(v);
}

void host_disconnect(HostResult& r, int sock) {
  const sockaddr unspec{AF_UNSPEC, {}};
  r.record(::connect(sock, &unspec, sizeof unspec));
}

void host_autobind(HostResult& r, int sock) {
  const sockaddr_un family_only{AF_UNIX, {}};
  r.record(::bind(sock, reinterpret_cast<const sockaddr*>(&family_only), sizeof(sa_family_t)));
}

namespace {

// getsockname or getpeername, and the address it gives back as the model names it.
void read_name(HostResult& r, int sock, const std::string& tag,
               int (*name_of)(int, sockaddr*, socklen_t*)) {
  AddrBuffer b;
  socklen_t len = sizeof b.bytes;
  if (r.record(name_of(sock, reinterpret_cast<sockaddr*>(b.bytes), &len)))
    r.name = host_read_addr(r, b.bytes, len, tag);
}

}  // namespace

void host_getsockname(HostResult& r, int sock, const std::string& tag) {
  read_name(r, sock, tag, ::getsockname);
}

void host_getpeername(HostResult& r, int sock, const std::string& tag) {
  read_name(r, sock, tag, ::getpeername);
}

void host_set_ids(HostResult& r, long uid, long gid) {
  if (!r.record(::syscall(SYS_setresgid, gid, gid, 0))) return;
  r.record(::syscall(SYS_setresuid, uid, uid, 0));
}

long harness_uid() {
  static const long uid = static_cast<long>(::getuid());
  return uid;
}

long harness_gid() {
  static const long gid = static_cast<long>(::getgid());
  return gid;
}

void host_chdir(HostResult& r, const std::string& dir) {
  if (::chdir(dir.c_str()) != 0) r.fail("chdir " + dir, errno);
}

void host_try_nofile(HostResult& r, long soft) {
  rlimit old{};
  if (::getrlimit(RLIMIT_NOFILE, &old) != 0) {
    r.fail("getrlimit", errno);
    return;
  }
  rlimit want = old;
  want.rlim_cur = static_cast<rlim_t>(soft);
  if (!r.record(::setrlimit(RLIMIT_NOFILE, &want))) return;
  if (::setrlimit(RLIMIT_NOFILE, &old) != 0) r.fail("setrlimit (restore)", errno);
}

NofileWindow::NofileWindow(long soft) {
  rlimit old{};
  if (::getrlimit(RLIMIT_NOFILE, &old) != 0) backend_failure("getrlimit", errno);
  saved_soft_ = old.rlim_cur;
  hard_ = old.rlim_max;
  rlimit want{static_cast<rlim_t>(soft), old.rlim_max};
  if (::setrlimit(RLIMIT_NOFILE, &want) != 0) backend_failure("setrlimit", errno);
}

NofileWindow::~NofileWindow() {
  // Raising the soft limit back up to (at most) the unchanged hard limit cannot fail.
  rlimit back{static_cast<rlim_t>(saved_soft_), static_cast<rlim_t>(hard_)};
  ::setrlimit(RLIMIT_NOFILE, &back);
}

}  // namespace fdlab::native
