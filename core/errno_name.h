#pragma once
// The modelled kernel's error numbers, by name only. Host errno values never cross this
// boundary: Emscripten's numbers differ from Linux's, and traces must be comparable.
#include <cstdint>
#include <string_view>

namespace fdlab {

enum class Errno : std::uint8_t {
  ok = 0,
  eperm,
  enoent,
  eintr,
  ebadf,
  eagain,
  enomem,
  eacces,
  efault,
  eexist,
  enotdir,
  einval,
  enfile,
  emfile,
  espipe,
  epipe,
  erange,
  enametoolong,
  enosys,
  enotsock,
  edestaddrreq,
  emsgsize,
  eprototype,
  enoprotoopt,
  eprotonosupport,
  eopnotsupp,
  eafnosupport,
  eaddrinuse,
  eaddrnotavail,
  econnaborted,
  econnreset,
  enobufs,
  eisconn,
  enotconn,
  etoomanyrefs,
  econnrefused,
  etimedout,
  eloop,
  enotempty,
  eoverflow,
  esrch,
  enodata,
  eisdir,
  count_  // not an errno; keeps the table size honest
};

// "EBADF" for Errno::ebadf, "" for Errno::ok.
std::string_view errno_name(Errno e);
// Inverse of errno_name; returns false when the name is not one we model.
bool errno_from_name(std::string_view name, Errno& out);
// Linux's number for it (EAGAIN: 11), 0 for Errno::ok: for capi/, the one boundary where
// numbers are spoken; and the inverse (false for a number the model does not know).
int linux_errno(Errno e);
bool errno_from_linux(int number, Errno& out);

}  // namespace fdlab
