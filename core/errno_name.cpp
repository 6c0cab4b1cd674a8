#include "core/errno_name.h"

#include <array>

namespace fdlab {
namespace {
// Each name with its number on Linux (include/uapi/asm-generic/errno-base.h and errno.h, which
// x86-64 and arm64 use): the numbers only cross capi/, the C boundary, where callers speak
// Linux's numbers.
struct ErrnoEntry {
  std::string_view name;
  int linux_number;
};
constexpr std::array<ErrnoEntry, static_cast<std::size_t>(Errno::count_)> kErrnos = {{
    {"", 0},
    {"EPERM", 1},
    {"ENOENT", 2},
    {"EINTR", 4},
    {"EBADF", 9},
    {"EAGAIN", 11},
    {"ENOMEM", 12},
    {"EACCES", 13},
    {"EFAULT", 14},
    {"EEXIST", 17},
    {"ENOTDIR", 20},
    {"EINVAL", 22},
    {"ENFILE", 23},
    {"EMFILE", 24},
    {"ESPIPE", 29},
    {"EPIPE", 32},
    {"ERANGE", 34},
    {"ENAMETOOLONG", 36},
    {"ENOSYS", 38},
    {"ENOTSOCK", 88},
    {"EDESTADDRREQ", 89},
    {"EMSGSIZE", 90},
    {"EPROTOTYPE", 91},
    {"ENOPROTOOPT", 92},
    {"EPROTONOSUPPORT", 93},
    {"EOPNOTSUPP", 95},
    {"EAFNOSUPPORT", 97},
    {"EADDRINUSE", 98},
    {"EADDRNOTAVAIL", 99},
    {"ECONNABORTED", 103},
    {"ECONNRESET", 104},
    {"ENOBUFS", 105},
    {"EISCONN", 106},
    {"ENOTCONN", 107},
    {"ETOOMANYREFS", 109},
    {"ECONNREFUSED", 111},
    {"ETIMEDOUT", 110},
    {"ELOOP", 40},
    {"ENOTEMPTY", 39},
    {"EOVERFLOW", 75},
    {"ESRCH", 3},
    {"ENODATA", 61},
    {"EISDIR", 21}}};
}  // namespace

std::string_view errno_name(Errno e) { return kErrnos[static_cast<std::size_t>(e)].name; }

int linux_errno(Errno e) { return kErrnos[static_cast<std::size_t>(e)].linux_number; }

bool errno_from_linux(int number, Errno& out) {
  for (std::size_t i = 1; i < kErrnos.size(); ++i) {
    if (kErrnos[i].linux_number == number) {
      out = static_cast<Errno>(i);
      return true;
    }
  }
  return false;
}

bool errno_from_name(std::string_view name, Errno& out) {
  for (std::size_t i = 1; i < kErrnos.size(); ++i) {
    if (kErrnos[i].name == name) {
      out = static_cast<Errno>(i);
      return true;
    }
  }
  return false;
}

}  // namespace fdlab
