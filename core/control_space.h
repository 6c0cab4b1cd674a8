#pragma once
// The control buffer of a recvmsg/sendmsg, as Linux x86-64 lays it out. These are the model's
// own constants (no <sys/socket.h>): core must give the same answers under em++, whose
// CMSG_* macros describe a 32-bit layout.
#include <cstddef>

namespace fdlab {
namespace cmsg {

constexpr std::size_t header_size = 16;  // sizeof(struct cmsghdr) on x86-64
constexpr std::size_t fd_size = 4;       // sizeof(int)
constexpr std::size_t scm_max_fd = 253;  // SCM_MAX_FD (include/net/scm.h)
constexpr std::size_t ucred_size = 12;   // sizeof(struct ucred): pid, uid, gid

constexpr std::size_t align(std::size_t n) { return (n + 7) & ~std::size_t{7}; }  // CMSG_ALIGN
constexpr std::size_t len(std::size_t n) { return header_size + n; }              // CMSG_LEN
constexpr std::size_t space(std::size_t n) { return header_size + align(n); }     // CMSG_SPACE

// How many fds a control buffer of `control_len` bytes receives: scm_max_fds()
// (include/net/scm.h). CMSG_SPACE rounding makes room for more than asked: space(4) = 24
// holds 2 fds.
constexpr std::size_t max_fds_for_control_len(std::size_t control_len) {
  return control_len <= header_size ? 0 : (control_len - header_size) / fd_size;
}

}  // namespace cmsg

// What the receiver's control buffer does with `queued` fds taken from the queue
// (scm_recv_unix -> scm_detach_fds, net/core/scm.c).
struct FdDelivery {
  std::size_t installed = 0;  // the first `installed` fds get new numbers
  bool ctrunc = false;        // MSG_CTRUNC; the rest are closed
};

// has_control false means msg_control == NULL: every fd is dropped and MSG_CTRUNC is set
// (__scm_recv_common). With a buffer, the fds that fit are installed; MSG_CTRUNC when some
// did not fit, including when none fit at all.
FdDelivery deliver_fds(bool has_control, std::size_t control_len, std::size_t queued);

}  // namespace fdlab
