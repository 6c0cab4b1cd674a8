#include "core/trace.h"

#include <cstdio>

#include "core/bytes.h"
#include "core/flag_names.h"

namespace fdlab {

const char* sock_type_name(SockType t) {
  switch (t) {
    case SockType::stream:
      return "SOCK_STREAM";
    case SockType::seqpacket:
      return "SOCK_SEQPACKET";
    case SockType::dgram:
      return "SOCK_DGRAM";
  }
  return "?";
}

std::string trace_hash(const std::string& bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a:%016llx", static_cast<unsigned long long>(fnv1a64(bytes)));
  return buf;
}

namespace {

const char* cred_pid_name(CredPid p) {
  switch (p) {
    case CredPid::none:
      return "none";
    case CredPid::scenario:
      return "scenario";
    case CredPid::init:
      return "init";
  }
  return "?";
}

// The harness's own id is "self"; 65534, the overflow id of a segment sent without
// credentials, is "nobody"; any other id is its number.
nlohmann::json cred_id_value(const CredId& id) {
  if (id.self) return "self";
  if (id.number == cmsg::overflow_id) return "nobody";
  return id.number;
}

const char* cmsg_type_name(int type) {
  switch (type) {
    case cmsg::scm_rights:
      return "SCM_RIGHTS";
    case cmsg::scm_credentials:
      return "SCM_CREDENTIALS";
    case cmsg::scm_pidfd:
      return "SCM_PIDFD";
    case cmsg::scm_inq:
      return "SCM_INQ";
  }
  return "?";
}

// Every cmsghdr recvmsg wrote: its type and cmsg_len, then what it holds, as far as it holds
// it (a cut SCM_CREDENTIALS shows only its whole fields).
nlohmann::json cmsgs_record(const Outcome& o) {
  nlohmann::json out = nlohmann::json::array();
  std::size_t next_fd = 0;
  for (const RecvCmsg& c : o.cmsgs) {
    nlohmann::json j{{"level", "SOL_SOCKET"}, {"type", cmsg_type_name(c.type)}, {"cmsg_len", c.len}};
    if (c.type == cmsg::scm_rights) {
      auto& fds = j["fds"] = nlohmann::json::array();
      const std::size_t n = (c.len - cmsg::header_size) / cmsg::fd_size;
      for (std::size_t i = 0; i < n && next_fd < o.fds.size(); ++i) fds.push_back(o.fds[next_fd++].fd);
    } else if (c.type == cmsg::scm_pidfd) {
      if (c.len >= cmsg::len(4)) j["pidfd"] = c.value;
    } else if (c.type == cmsg::scm_inq) {
      if (c.len >= cmsg::len(4)) j["inq"] = c.value;
    } else if (c.type == cmsg::scm_credentials) {
      if (o.creds.fields >= 1) j["pid"] = cred_pid_name(o.creds.pid);
      if (o.creds.fields >= 2) j["uid"] = cred_id_value(o.creds.uid);
      if (o.creds.fields >= 3) j["gid"] = cred_id_value(o.creds.gid);
    }
    out.push_back(std::move(j));
  }
  return out;
}

// {"path": "srv"}, {"abstract": "name"}, {"unnamed": true} or {"autobind": true} (a name the
// kernel chose, different on every run).
nlohmann::json address_record(const ReportedAddr& a) {
  switch (a.kind) {
    case ReportedAddr::Kind::unnamed:
      return {{"unnamed", true}};
    case ReportedAddr::Kind::autobind:
      return {{"autobind", true}};
    case ReportedAddr::Kind::named:
      break;
  }
  return {{a.addr.abstract ? "abstract" : "path", a.addr.name}};
}

}  // namespace

nlohmann::json trace_record(const Scenario& sc, const Step& step, const Outcome& o,
                            const std::vector<std::string>& objects) {
  nlohmann::json r;
  r["step"] = step.index;
  r["proc"] = sc.processes[step.proc];
  r["op"] = op_name(step.op);
  if (o.blocked) {
    r["blocked"] = true;
    return r;
  }
  r["ret"] = o.ret;
  if (o.err != Errno::ok) r["errno"] = std::string(errno_name(o.err));
  const bool reads = step.op == OpKind::read || step.op == OpKind::recvmsg;
  if (reads && o.err == Errno::ok) {
    if (o.data.size() > kTraceBytesInline) {
      r["data_len"] = o.data.size();
      r["data_fnv1a"] = trace_hash(o.data);
    } else if (is_printable_ascii(o.data)) {
      r["data"] = o.data;
    } else {
      r["data_hex"] = encode_hex(o.data);
    }
  }
  if (!o.fds.empty()) {
    auto& fds = r["fds"] = nlohmann::json::array();
    for (std::size_t i = 0; i < o.fds.size(); ++i)
      fds.push_back({{"fd", o.fds[i].fd}, {"obj", objects[i]}, {"cloexec", o.fds[i].cloexec}});
  }
  if (step.op == OpKind::recvmsg && o.err == Errno::ok)
    r["msg_flags"] = msg_flag_names(o.msg_flags);
  if (step.op == OpKind::fcntl && o.err == Errno::ok) {
    if (step.cmd == FcntlCmd::getfd) r["flags"] = fd_flag_names(o.ret);
    if (step.cmd == FcntlCmd::getfl) r["flags"] = status_flag_names(o.ret);
  }
  if (step.op == OpKind::getsockopt && o.err == Errno::ok) {
    if (step.opt == SockOpt::type)
      r["value"] = sock_type_name(static_cast<SockType>(o.value));
    else if (step.opt == SockOpt::passcred || step.opt == SockOpt::passrights ||
             step.opt == SockOpt::passpidfd || step.opt == SockOpt::oobinline)
      r["value"] = o.value != 0;
    else if (step.opt == SockOpt::peercred)
      r["value"] = {{"pid", cred_pid_name(o.creds.pid)},
                    {"uid", cred_id_value(o.creds.uid)},
                    {"gid", cred_id_value(o.creds.gid)}};
    else
      r["value"] = o.value;
  }
  if (step.op == OpKind::poll && o.err == Errno::ok)
    r["revents"] = poll_event_names(static_cast<std::uint32_t>(o.value));
  if ((step.op == OpKind::getsockname || step.op == OpKind::getpeername) && o.err == Errno::ok)
    r["name"] = address_record(o.name);
  if (step.op == OpKind::recvmsg && o.err == Errno::ok && step.msg_name)
    r["from"] = address_record(o.name);
  if (step.op == OpKind::recvmsg && o.err == Errno::ok) {
    r["msg_controllen"] = o.msg_controllen;
    if (!o.cmsgs.empty()) r["cmsgs"] = cmsgs_record(o);
  }
  // The credentials, when a whole SCM_CREDENTIALS came (a cut one is only in cmsgs).
  if (step.op == OpKind::recvmsg && o.creds.present && o.creds.fields == 3)
    r["creds"] = {{"pid", cred_pid_name(o.creds.pid)},
                  {"uid", cred_id_value(o.creds.uid)},
                  {"gid", cred_id_value(o.creds.gid)}};
  if (o.sigpipe) r["sigpipe"] = true;
  return r;
}

Divergence first_divergence(const std::vector<nlohmann::json>& left,
                            const std::vector<nlohmann::json>& right) {
  Divergence d;
  const std::size_t n = std::max(left.size(), right.size());
  for (std::size_t i = 0; i < n; ++i) {
    const nlohmann::json l = i < left.size() ? left[i] : nlohmann::json(nullptr);
    const nlohmann::json r = i < right.size() ? right[i] : nlohmann::json(nullptr);
    if (l != r) {
      d.found = true;
      d.index = i;
      d.left = l;
      d.right = r;
      return d;
    }
  }
  return d;
}

}  // namespace fdlab
