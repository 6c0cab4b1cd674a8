// SimKernel's credentials: SO_PASSCRED and SCM_CREDENTIALS (net/unix/af_unix.c:
// maybe_add_creds, unix_stream_read_generic; net/core/scm.c: __scm_recv_common, put_cmsg).
// A scenario process is its own process here (its ProcId stands for its tgid); the native
// backend cannot tell its threads apart by pid (docs/decisions.md, "Credentials").
#include <algorithm>

#include "core/control_space.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {

// maybe_add_creds: a segment carries its sender's credentials when the sender or the
// receiver has SO_PASSCRED at send time, or the receiver has no socket yet (a connection
// not yet accepted), so that whoever reads it later can have them.
bool SimKernel::sends_creds(const UnixSocket& sender) const {
  if (sender.passcred) return true;
  if (sender.peer == no_socket || !sockets_[sender.peer]) return false;
  const UnixSocket& other = *sockets_[sender.peer];
  return other.file == no_file || other.passcred;
}

// put_cmsg: below a cmsghdr nothing is written; a cmsg that does not fit is truncated to
// what is left (and uses it all); a whole one uses CMSG_SPACE(12) = 32 bytes, or what is left
// if less (28..31 bytes hold it without padding).
std::size_t SimKernel::creds_space_used(const RecvArgs& a) {
  if (!a.has_control || a.control_len < cmsg::header_size) return 0;
  return std::min(a.control_len, cmsg::space(cmsg::ucred_size));
}

// __scm_recv_common with SO_PASSCRED: no buffer, or too small a one, sets MSG_CTRUNC even
// when no fds came (measured: control_len 0..27 all give MSG_CTRUNC).
void SimKernel::report_creds(Outcome& o, const RecvArgs& a, int creds) {
  if (!a.has_control || a.control_len < cmsg::len(cmsg::ucred_size)) {
    o.msg_flags |= msg::ctrunc;
    return;
  }
  o.creds.present = true;
  o.creds.pid = creds < 0 ? CredPid::none : CredPid::scenario;
}

}  // namespace fdlab::sim
