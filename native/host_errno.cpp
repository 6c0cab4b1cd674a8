#include "native/host_errno.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "native/backend_failure.h"

namespace fdlab::native {

Errno errno_from_host(int e) {
  switch (e) {
    case 0:
      return Errno::ok;
    case EPERM:
      return Errno::eperm;
    case ENOENT:
      return Errno::enoent;
    case EINTR:
      return Errno::eintr;
    case EBADF:
      return Errno::ebadf;
    case EAGAIN:
      return Errno::eagain;  // == EWOULDBLOCK on Linux
    case ENOMEM:
      return Errno::enomem;
    case EACCES:
      return Errno::eacces;
    case EFAULT:
      return Errno::efault;
    case EEXIST:
      return Errno::eexist;
    case ENOTDIR:
      return Errno::enotdir;
    case EINVAL:
      return Errno::einval;
    case ENFILE:
      return Errno::enfile;
    case EMFILE:
      return Errno::emfile;
    case ESPIPE:
      return Errno::espipe;
    case EPIPE:
      return Errno::epipe;
    case ERANGE:
      return Errno::erange;
    case ENAMETOOLONG:
      return Errno::enametoolong;
    case ENOSYS:
      return Errno::enosys;
    case ENOTSOCK:
      return Errno::enotsock;
    case EDESTADDRREQ:
      return Errno::edestaddrreq;
    case EMSGSIZE:
      return Errno::emsgsize;
    case EPROTOTYPE:
      return Errno::eprototype;
    case ENOPROTOOPT:
      return Errno::enoprotoopt;
    case EPROTONOSUPPORT:
      return Errno::eprotonosupport;
    case EOPNOTSUPP:
      return Errno::eopnotsupp;  // == ENOTSUP on Linux
    case EAFNOSUPPORT:
      return Errno::eafnosupport;
    case EADDRINUSE:
      return Errno::eaddrinuse;
    case EADDRNOTAVAIL:
      return Errno::eaddrnotavail;
    case ECONNABORTED:
      return Errno::econnaborted;
    case ECONNRESET:
      return Errno::econnreset;
    case ENOBUFS:
      return Errno::enobufs;
    case EISCONN:
      return Errno::eisconn;
    case ENOTCONN:
      return Errno::enotconn;
    case ETOOMANYREFS:
      return Errno::etoomanyrefs;
    case ECONNREFUSED:
      return Errno::econnrefused;
    case ETIMEDOUT:
      return Errno::etimedout;
    case ELOOP:
      return Errno::eloop;
    case ENOTEMPTY:
      return Errno::enotempty;
    case EOVERFLOW:
      return Errno::eoverflow;
    case ESRCH:
      return Errno::esrch;
    case ENODATA:
      return Errno::enodata;
    case EISDIR:
      return Errno::eisdir;
    default:
      break;
  }
  backend_failure("the kernel returned errno " + std::to_string(e) + " (" + std::strerror(e) +
                  "), which the model has no name for");
}

}  // namespace fdlab::native
