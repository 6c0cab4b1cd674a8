// SimKernel's credentials: SO_PASSCRED and SCM_CREDENTIALS (net/unix/af_unix.c:
// unix_maybe_add_creds, unix_stream_read_generic; net/core/scm.c: __scm_send,
// __scm_recv_common, put_cmsg). A scenario process is its own process here (its tgid is
// kFirstPid + its ProcId); the native backend cannot tell its threads apart by pid
// (docs/decisions.md, "Credentials"). The sim runs as root (uid 0, gid 0), as the harness does.
#include <algorithm>

#include "core/control_space.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

constexpr std::int64_t kFirstPid = 1000;
constexpr std::int64_t kOwnId = 0;  // the harness's uid and gid

// __scm_send's questions, asked of the sim on behalf of process p.
class SimScmHost : public ScmSendHost {
 public:
  SimScmHost(SimKernel& k, ProcId p, std::size_t processes) : k_(k), p_(p), n_(processes) {}
  bool fd_open(int fd) const override { return k_.has_fd(p_, fd); }
  bool pid_exists(std::int64_t pid) const override {
    return pid == 1 || (pid >= kFirstPid && pid < kFirstPid + static_cast<std::int64_t>(n_));
  }
  std::int64_t own_pid() const override { return kFirstPid + p_; }

 private:
  SimKernel& k_;
  ProcId p_;
  std::size_t n_;
};

}  // namespace

// unix_maybe_add_creds: a segment carries its sender's credentials when the sender or the
// receiver has SO_PASSCRED at send time, or the receiver has no socket yet (a connection
// not yet accepted), so that whoever reads it later can have them.
bool SimKernel::sends_creds(const UnixSocket& sender) const {
  if (sender.passcred) return true;
  if (sender.peer == no_socket || !sockets_[sender.peer]) return false;
  const UnixSocket& other = *sockets_[sender.peer];
  return other.file == no_file || other.passcred;
}

// Credentials are kept once each; a segment holds the index, so that "same credentials"
// (unix_skb_scm_eq) is an int compare.
int SimKernel::creds_key(const WireCreds& c) {
  auto it = std::find(creds_.begin(), creds_.end(), c);
  if (it != creds_.end()) return static_cast<int>(it - creds_.begin());
  creds_.push_back(c);
  return static_cast<int>(creds_.size() - 1);
}

int SimKernel::own_creds(ProcId p) { return creds_key({kFirstPid + p, kOwnId, kOwnId}); }

WireCreds SimKernel::creds_of(int key) const {
  if (key == kEofCreds) return {};  // a zeroed scm_cookie: pid 0, uid 0, gid 0
  if (key < 0) return {0, cmsg::overflow_id, cmsg::overflow_id};  // sent without credentials
  return creds_[static_cast<std::size_t>(key)];
}

// scm_send for a sendmsg that states its msg_control: ____sys_sendmsg copies it in (a NULL
// pointer with a length is EFAULT), then __scm_send reads it.
Outcome SimKernel::read_control(SendCall& send, std::vector<int>& fds) {
  const SendControl& c = send.args.control;
  if (c.null) return control_length(c) > 0 ? Outcome::failure(Errno::efault) : Outcome{};
  const std::string image =
      control_image(c, CredNumbers{kFirstPid + send.proc, kOwnId, kOwnId});
  ScmSend scm = fdlab::scm_send(image, SimScmHost(*this, send.proc, procs_.size()));
  if (scm.err != Errno::ok) return Outcome::failure(scm.err);
  fds = std::move(scm.fds);
  // unix_scm_to_skb: stated credentials go with every skb; unix_maybe_add_creds then leaves
  // them alone.
  if (scm.creds) send.creds = creds_key(*scm.creds);
  return Outcome{};
}

// __scm_recv_common: with SO_PASSCRED, SCM_CREDENTIALS is the first cmsg, cut short (and
// MSG_CTRUNC) when it does not fit; from 16 bytes on a cut one is written.
void SimKernel::report_creds(Outcome& o, ControlWriter& control, int key) const {
  const std::size_t written = control.put(cmsg::scm_credentials, cmsg::ucred_size);
  if (!control.has_control() || control.cmsgs().empty() ||
      control.cmsgs().back().type != cmsg::scm_credentials)
    return;
  const WireCreds w = creds_of(key);
  o.creds.present = true;
  o.creds.fields = static_cast<int>(written / 4);
  o.creds.pid = w.pid == 0 ? CredPid::none : w.pid == 1 ? CredPid::init : CredPid::scenario;
  o.creds.uid = {w.uid == kOwnId, w.uid};
  o.creds.gid = {w.gid == kOwnId, w.gid};
}

}  // namespace fdlab::sim
