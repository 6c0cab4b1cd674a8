#include "core/errno_name.h"

#include <array>

namespace fdlab {
namespace {
constexpr std::array<std::string_view, static_cast<std::size_t>(Errno::count_)> kNames = {
    "",
    "EPERM",
    "ENOENT",
    "EINTR",
    "EBADF",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "EEXIST",
    "ENOTDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ESPIPE",
    "EPIPE",
    "ERANGE",
    "ENAMETOOLONG",
    "ENOSYS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "EOPNOTSUPP",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ETOOMANYREFS",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "ELOOP",
    "ENOTEMPTY",
    "EOVERFLOW",
    "ESRCH",
    "ENODATA",
    "EISDIR"};
}  // namespace

std::string_view errno_name(Errno e) { return kNames[static_cast<std::size_t>(e)]; }

bool errno_from_name(std::string_view name, Errno& out) {
  for (std::size_t i = 1; i < kNames.size(); ++i) {
    if (kNames[i] == name) {
      out = static_cast<Errno>(i);
      return true;
    }
  }
  return false;
}

}  // namespace fdlab
