// SimKernel's credentials: SO_PASSCRED and SCM_CREDENTIALS (net/unix/af_unix.c:
// unix_maybe_add_creds, unix_stream_read_generic; net/core/scm.c: __scm_send,
// __scm_recv_common, put_cmsg). A scenario process is its own process here (its tgid is
// kFirstPid + its ProcId); the native backend cannot tell its threads apart by pid
// (docs/decisions.md, "Credentials"). The sim runs as root (uid 0, gid 0), as the harness does.
#include <algorithm>

#include "core/control_space.h"
#include "core/machine_dependent.h"
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
  // init and the scenario's own processes exist everywhere, and no pid outside 1..PID_MAX_LIMIT
  // exists anywhere; any other pid exists on some machines and not on others (a raw cmsg's
  // bytes can state one the parser does not see: a cmsg_len that reaches into the next cmsg).
  bool pid_exists(std::int64_t pid) const override {
    if (pid == 1 || (pid >= kFirstPid && pid < kFirstPid + static_cast<std::int64_t>(n_)))
      return true;
    if (pid <= 0 || pid > cmsg::pid_max_limit) return false;
    throw MachineDependentError("", -1, "",
                                "result depends on whether pid " + std::to_string(pid) +
                                    " exists on the machine (SCM_CREDENTIALS); state a pid "
                                    "<= 0, init's, a scenario process's or one above 4194304");
  }
  std::int64_t own_pid() const override { return kFirstPid + p_; }
  bool privileged() const override { return k_.ids(p_).privileged(); }
  std::vector<std::int64_t> uids() const override {
    return {k_.ids(p_).uid, k_.ids(p_).uid, k_.ids(p_).suid};
  }
  std::vector<std::int64_t> gids() const override {
    return {k_.ids(p_).gid, k_.ids(p_).gid, k_.ids(p_).sgid};
  }

 private:
  SimKernel& k_;
  ProcId p_;
  std::size_t n_;
};

}  // namespace

// unix_maybe_add_creds: a segment carries its sender's credentials when the sender or the
// receiver has SO_PASSCRED or SO_PASSPIDFD (unix_may_passcred) at send time, or the receiver
// has no socket yet (a connection
// not yet accepted), so that whoever reads it later can have them.
bool SimKernel::sends_creds_to(const UnixSocket& sender, const UnixSocket& receiver) const {
  if (sender.may_passcred() || receiver.may_passcred()) return true;
  if (receiver.file == no_file) reached("credentials.before-accept");
  return receiver.file == no_file;
}

// Credentials are kept once each; a segment holds the index, so that "same credentials"
// (unix_skb_scm_eq) is an int compare.
ProcId SimKernel::proc_of_pid(std::int64_t pid) const {
  const std::int64_t p = pid - kFirstPid;
  return p >= 0 && p < static_cast<std::int64_t>(procs_.size()) ? static_cast<ProcId>(p) : -1;
}

bool SimKernel::glue_depends_on_pid(ProcId p, int fd) {
  const SocketAt at = socket_at(p, fd);
  if (at.err != Errno::ok || at.socket->type != SockType::stream || !at.socket->may_passcred())
    return false;
  const RecvQueue& q = at.socket->queue;
  for (std::size_t i = 1; i < q.segments(); ++i) {
    const int a = q.segment(i - 1).creds, b = q.segment(i).creds;
    if (a < 0 || b < 0 || a == b) continue;
    const WireCreds& x = creds_[static_cast<std::size_t>(a)];
    const WireCreds& y = creds_[static_cast<std::size_t>(b)];
    if (x.uid == y.uid && x.gid == y.gid && proc_of_pid(x.pid) >= 0 && proc_of_pid(y.pid) >= 0)
      return true;
  }
  return false;
}

int SimKernel::creds_key(const WireCreds& c) {
  auto it = std::find(creds_.begin(), creds_.end(), c);
  if (it != creds_.end()) return static_cast<int>(it - creds_.begin());
  creds_.push_back(c);
  return static_cast<int>(creds_.size() - 1);
}

// current_uid_gid(): the sender's real ids.
int SimKernel::own_creds(ProcId p) {
  const ProcIds& i = ids(p);
  return creds_key({kFirstPid + p, i.uid, i.gid});
}

// setresgid(gid, gid, 0), then setresuid(uid, uid, 0) (kernel/sys.c): without CAP_SETGID or
// CAP_SETUID each new id must be one the process has already (real, effective or saved);
// the gids change even when the uids then cannot. Capabilities follow the effective uid, and
// the saved uid 0 keeps them reachable (capabilities(7)).
Outcome SimKernel::op_set_ids(ProcId p, const Call& c) {
  table(p);
  reached("unprivileged.set-ids");
  ProcIds& i = ids_[static_cast<std::size_t>(p)];
  const auto may = [&](std::int64_t want, std::int64_t real, std::int64_t saved) {
    return i.privileged() || want == real || want == saved;
  };
  if (!may(c.gid, i.gid, i.sgid) || !may(0, i.gid, i.sgid)) return Outcome::failure(Errno::eperm);
  i.gid = c.gid;
  i.sgid = 0;
  if (!may(c.value, i.uid, i.suid) || !may(0, i.uid, i.suid)) return Outcome::failure(Errno::eperm);
  i.uid = c.value;
  i.suid = 0;
  return Outcome{};
}

// too_many_unix_fds: a sender without CAP_SYS_RESOURCE or CAP_SYS_ADMIN whose user already has
// more fds in flight than its RLIMIT_NOFILE gets ETOOMANYREFS for a send with fds.
bool SimKernel::too_many_inflight(ProcId p) const {
  const ProcIds& i = ids(p);
  if (i.privileged()) return false;
  auto limit = nofile_.find(p);
  if (limit == nofile_.end()) return false;  // the harness's own limit: not modelled as a cap
  auto it = inflight_by_uid_.find(i.uid);
  if (it == inflight_by_uid_.end() || it->second <= limit->second) return false;
  reached("unprivileged.inflight-limit");
  return true;
}

std::int64_t SimKernel::pid_of(ProcId p) { return kFirstPid + p; }

WireCreds SimKernel::creds_of(int key) const {
  if (key == kEofCreds) return {};  // a zeroed scm_cookie: pid 0, uid 0, gid 0
  if (key < 0) return {0, cmsg::overflow_id, cmsg::overflow_id};  // sent without credentials
  return creds_[static_cast<std::size_t>(key)];
}

// scm_send for a sendmsg that states its msg_control (op_sendmsg has refused a NULL one with a
// length).
Outcome SimKernel::read_control(SendCall& send, std::vector<int>& fds) {
  const SendControl& c = send.args.control;
  if (c.null) return Outcome{};
  const ProcIds& i = ids(send.proc);
  const std::string image =
      control_image(c, CredNumbers{kFirstPid + send.proc, i.uid, i.gid}, cmsg_abi_);
  ScmSend scm =
      fdlab::scm_send(image, SimScmHost(*this, send.proc, procs_.size()), rules_, cmsg_abi_);
  if (scm.err != Errno::ok) return Outcome::failure(scm.err);
  fds = std::move(scm.fds);
  // unix_scm_to_skb: stated credentials go with every skb; unix_maybe_add_creds then leaves
  // them alone.
  if (scm.creds) {
    send.creds = creds_key(*scm.creds);
    send.stated_creds = true;
  }
  return Outcome{};
}

// __scm_recv_common: with SO_PASSCRED, SCM_CREDENTIALS is the first cmsg, cut short (and
// MSG_CTRUNC) when it does not fit; from 16 bytes on a cut one is written.
void SimKernel::report_creds(Outcome& o, ControlWriter& control, int key) const {
  reached("credentials.scm-credentials");
  const std::size_t written = control.put(cmsg::scm_credentials, cmsg::ucred_size);
  if (!control.has_control() || control.cmsgs().empty() ||
      control.cmsgs().back().type != cmsg::scm_credentials)
    return;
  o.creds = reported(creds_of(key), static_cast<int>(written / 4));
}

// Credentials as a trace names them: pid 0 none, 1 init, else a scenario process's; ids "self"
// when they are the harness's (root).
Creds SimKernel::reported(const WireCreds& w, int fields) {
  Creds c;
  c.present = true;
  c.fields = fields;
  c.pid = w.pid == 0 ? CredPid::none : w.pid == 1 ? CredPid::init : CredPid::scenario;
  c.pid_number = w.pid;
  c.uid = {w.uid == kOwnId, w.uid};
  c.gid = {w.gid == kOwnId, w.gid};
  return c;
}

// SO_PEERCRED: the ids taken with the peer (socketpair, listen, connect), or pid 0 and ids
// (uid_t)-1 for a socket that never had one.
Creds SimKernel::peer_creds(const UnixSocket& sk) {
  if (sk.peer_uid < 0) return reported({0, 0xffffffffLL, 0xffffffffLL}, 3);
  return reported({kFirstPid, sk.peer_uid, sk.peer_gid}, 3);
}

}  // namespace fdlab::sim
