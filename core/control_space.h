#pragma once
// The control buffer of a recvmsg/sendmsg, as Linux lays it out. These are the model's own
// constants (no <sys/socket.h>): core must give the same answers under em++, whose CMSG_*
// macros describe a 32-bit layout. Scenarios state sizes in the x86-64 layout (cmsg::len,
// cmsg::space below); a C program on the model (capi/) runs with its own target's CmsgAbi.
#include <cstddef>
#include <vector>

namespace fdlab {
namespace cmsg {

constexpr std::size_t header_size = 16;  // sizeof(struct cmsghdr) on x86-64
constexpr std::size_t fd_size = 4;       // sizeof(int)
constexpr std::size_t scm_max_fd = 253;  // SCM_MAX_FD (include/net/scm.h)
constexpr std::size_t ucred_size = 12;   // sizeof(struct ucred): pid, uid, gid

// The layout of struct cmsghdr on one ABI: what CMSG_LEN, CMSG_SPACE and scm_max_fds() depend
// on. Linux's cmsg_len is a size_t and CMSG_ALIGN rounds to sizeof(long) (include/linux/socket.h).
struct CmsgAbi {
  std::size_t header_size;  // sizeof(struct cmsghdr)
  std::size_t len_size;     // sizeof(cmsg_len): the header's first field
  std::size_t alignment;    // CMSG_ALIGN's unit
  constexpr std::size_t align(std::size_t n) const { return (n + alignment - 1) & ~(alignment - 1); }
  constexpr std::size_t len(std::size_t n) const { return header_size + n; }
  constexpr std::size_t space(std::size_t n) const { return header_size + align(n); }
  // scm_max_fds (include/net/scm.h): how many fds `control_len` bytes receive.
  constexpr std::size_t max_fds(std::size_t control_len) const {
    return control_len <= header_size ? 0 : (control_len - header_size) / fd_size;
  }
  friend constexpr bool operator==(const CmsgAbi& a, const CmsgAbi& b) {
    return a.header_size == b.header_size && a.len_size == b.len_size &&
           a.alignment == b.alignment;
  }
};
// x86-64 and every 64-bit Linux: the scenario format's layout.
constexpr CmsgAbi lp64{16, 8, 8};
// i386, 32-bit Arm and wasm32 (musl's struct cmsghdr under Emscripten); also what a 64-bit
// kernel gives a 32-bit process (struct compat_cmsghdr, MSG_CMSG_COMPAT).
constexpr CmsgAbi ilp32{12, 4, 4};
static_assert(lp64.space(4) == 24 && ilp32.space(4) == 16, "CMSG_SPACE(sizeof(int))");

constexpr std::size_t align(std::size_t n) { return lp64.align(n); }  // CMSG_ALIGN
constexpr std::size_t len(std::size_t n) { return header_size + n; }              // CMSG_LEN
constexpr std::size_t space(std::size_t n) { return header_size + align(n); }     // CMSG_SPACE

// How many fds a control buffer of `control_len` bytes receives: scm_max_fds()
// (include/net/scm.h). CMSG_SPACE rounding makes room for more than asked: space(4) = 24
// holds 2 fds.
constexpr std::size_t max_fds_for_control_len(std::size_t control_len) {
  return lp64.max_fds(control_len);
}

}  // namespace cmsg

// One cmsghdr as recvmsg returned it (SOL_SOCKET: the only level an AF_UNIX socket writes).
struct RecvCmsg {
  int type = 0;         // cmsg::scm_rights, cmsg::scm_credentials, ...
  std::size_t len = 0;  // its cmsg_len, truncated when it did not fit
  long value = 0;       // SCM_INQ: the int it holds (when cmsg_len holds it)
};

// The cmsgs of one recvmsg, without a heap allocation per call: an AF_UNIX socket writes at
// most SCM_CREDENTIALS, SCM_RIGHTS, SCM_PIDFD and SCM_INQ, one each.
class RecvCmsgs {
 public:
  static constexpr std::size_t capacity = 4;
  bool push_back(const RecvCmsg& c) {
    if (size_ == capacity) return false;
    items_[size_++] = c;
    return true;
  }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  RecvCmsg& back() { return items_[size_ - 1]; }
  const RecvCmsg& back() const { return items_[size_ - 1]; }
  const RecvCmsg* begin() const { return items_; }
  const RecvCmsg* end() const { return items_ + size_; }

 private:
  RecvCmsg items_[capacity];
  std::size_t size_ = 0;
};

// msg_control as the kernel fills it on receive, one cmsg after the other: put_cmsg and
// scm_detach_fds (net/core/scm.c). has_control false: msg_control is NULL (whatever its length).
class ControlWriter {
 public:
  ControlWriter(bool has_control, std::size_t control_len, const cmsg::CmsgAbi& abi = cmsg::lp64)
      : abi_(abi), has_control_(has_control), left_(has_control ? control_len : 0) {}

  bool has_control() const { return has_control_; }
  // put_cmsg: below a whole header nothing is written (MSG_CTRUNC); a cmsg that does not fit
  // is cut to what is left (MSG_CTRUNC) and uses it all; a whole one uses CMSG_SPACE.
  // Returns the payload bytes written.
  std::size_t put(int type, std::size_t payload);
  // scm_detach_fds: how many fds the rest of the buffer holds (scm_max_fds).
  std::size_t fd_room() const;
  std::size_t left() const { return left_; }
  // scm_detach_fds after installing `installed` of `queued` fds (the rest are closed).
  void put_fds(std::size_t installed, std::size_t queued);
  void truncate() { ctrunc_ = true; }

  bool ctrunc() const { return ctrunc_; }
  std::size_t used() const { return used_; }  // the msg_controllen recvmsg returns
  RecvCmsgs& cmsgs() { return cmsgs_; }

 private:
  void advance(std::size_t n);
  cmsg::CmsgAbi abi_;
  bool has_control_;
  std::size_t left_;
  std::size_t used_ = 0;
  bool ctrunc_ = false;
  RecvCmsgs cmsgs_;
};

// What the receiver's control buffer does with `queued` fds taken from the queue
// (scm_recv_unix -> scm_detach_fds, net/core/scm.c).
struct FdDelivery {
  std::size_t installed = 0;  // the first `installed` fds get new numbers
  bool ctrunc = false;        // MSG_CTRUNC; the rest are closed
};

// has_control false means msg_control == NULL: every fd is dropped and MSG_CTRUNC is set
// (__scm_recv_common). With a buffer, the fds that fit are installed; MSG_CTRUNC when some
// did not fit, including when none fit at all.
FdDelivery deliver_fds(bool has_control, std::size_t control_len, std::size_t queued,
                       const cmsg::CmsgAbi& abi = cmsg::lp64);

}  // namespace fdlab
