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
    else if (step.opt == SockOpt::passcred)
      r["value"] = o.value != 0;
    else
      r["value"] = o.value;
  }
  if (step.op == OpKind::poll && o.err == Errno::ok)
    r["revents"] = poll_event_names(static_cast<std::uint32_t>(o.value));
  if (o.creds.present) {
    // A segment sent without credentials reads as pid 0 and the overflow uid/gid (65534).
    const bool none = o.creds.pid == CredPid::none;
    r["creds"] = {{"pid", none ? "none" : "scenario"},
                  {"uid", none ? "nobody" : "self"},
                  {"gid", none ? "nobody" : "self"}};
  }
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
