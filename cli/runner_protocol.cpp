#include "cli/runner_protocol.h"

#include <cstdlib>
#include <sstream>
#include <utility>

#include "core/bytes.h"
#include "core/flag_names.h"
#include "core/harness_error.h"
#include "core/step_args.h"
#include "core/trace.h"

namespace fdlab::runner {
namespace {

[[noreturn]] void bad_answer(const std::string& line, const std::string& why) {
  const std::string shown = line.size() > 200 ? line.substr(0, 200) + "..." : line;
  throw HarnessError("", -1, "", "runner: " + why + " in its answer '" + shown + "'");
}

// The name a choice field of the op table gives an enum value (core/step_args.cpp): the
// parser reads these enums as indices into the same lists.
template <typename Enum>
const std::string& choice_name(Arg a, const char* field, Enum v) {
  return arg_field(a, field).choices.at(static_cast<std::size_t>(v));
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::string address(const SockAddr& a) {
  return (a.abstract ? "abstract:" : "path:") + encode_hex(a.name);
}

std::string fd_list(const std::vector<int>& fds) {
  std::string out;
  for (int fd : fds) out += (out.empty() ? "" : ",") + std::to_string(fd);
  return out;
}

// A stated credential as a request names it: own, init or the number.
std::string cred(const CredArg& c) {
  if (c.kind == CredArg::Kind::own) return "own";
  if (c.kind == CredArg::Kind::init) return "init";
  return std::to_string(c.number);
}

// Linux's numbers, as scenarios write raw cmsgs, by name where the runner's host may number
// them otherwise (SOL_SOCKET is 0xffff on the BSDs and macOS).
std::string cmsg_level(std::int64_t level) {
  return level == cmsg::sol_socket ? "SOL_SOCKET" : std::to_string(level);
}

// The cmsg types by name, both ways: the model's numbers are Linux's.
constexpr std::pair<const char*, int> kCmsgTypes[] = {{"SCM_RIGHTS", cmsg::scm_rights},
                                                      {"SCM_CREDENTIALS", cmsg::scm_credentials},
                                                      {"SCM_PIDFD", cmsg::scm_pidfd},
                                                      {"SCM_INQ", cmsg::scm_inq}};

std::string cmsg_type(std::int64_t type) {
  for (const auto& [name, number] : kCmsgTypes)
    if (number == type) return name;
  return std::to_string(type);
}

std::string send_cmsg(const SendCmsg& m) {
  std::string out;
  switch (m.kind) {
    case SendCmsg::Kind::rights:
      out = "rights:" + fd_list(m.fds);
      break;
    case SendCmsg::Kind::creds:
      out = "creds:" + cred(m.pid) + "," + cred(m.uid) + "," + cred(m.gid);
      break;
    case SendCmsg::Kind::raw:
      out = "raw:" + cmsg_level(m.level) + "," + cmsg_type(m.type) + "," + encode_hex(m.payload);
      break;
  }
  if (m.cmsg_len) out += "@" + std::to_string(*m.cmsg_len);
  return out;
}

void add_sendmsg(std::ostringstream& out, const SendArgs& s) {
  out << " data=" << encode_hex(s.data) << " flags=" << join(msg_flag_names(s.flags));
  if (s.dest) out << " dest=" << address(*s.dest);
  if (!s.control.given) {
    if (!s.fds.empty()) out << " fds=" << fd_list(s.fds);
    return;
  }
  for (const SendCmsg& m : s.control.cmsgs) out << " cmsg=" << send_cmsg(m);
  if (s.control.controllen) out << " controllen=" << *s.control.controllen;
  if (s.control.null) out << " nullcontrol=1";
}

void add_recvmsg(std::ostringstream& out, const RecvArgs& r) {
  out << " len=" << r.len << " flags=" << join(msg_flag_names(r.flags));
  // No buffer and no length: msg_control NULL. A NULL pointer may still come with a length.
  if (r.has_control || r.control_len > 0) out << " control=" << r.control_len;
  if (!r.has_control && r.control_len > 0) out << " nullcontrol=1";
  if (r.want_name) out << " name=1";
}

const char* sockopt_name(SockOpt o) { return choice_name(Arg::sockopt, "opt", o).c_str(); }

}  // namespace

std::string request_line(ProcId p, const Call& c) {
  std::ostringstream out;
  out << "call " << p << " " << op_name(c.op);
  const auto fd = [&] { out << " fd=" << c.fd; };
  const auto flags = [&](bool nonblock) {
    if (nonblock && c.nonblock) out << " nonblock=1";
    if (c.cloexec) out << " cloexec=1";
  };
  switch (c.op) {
    case OpKind::socketpair:
    case OpKind::socket:
      out << " type=" << sock_type_name(c.type);
      flags(true);
      break;
    case OpKind::pipe:
    case OpKind::open_temp:
      flags(false);
      break;
    case OpKind::sendmsg:
      fd();
      add_sendmsg(out, *c.send);
      break;
    case OpKind::recvmsg:
      fd();
      add_recvmsg(out, c.recv);
      break;
    case OpKind::read:
      fd();
      out << " len=" << c.recv.len;
      break;
    case OpKind::write:
      fd();
      out << " data=" << encode_hex(*c.data);
      break;
    case OpKind::lseek:
      fd();
      out << " offset=" << c.offset << " whence=" << choice_name(Arg::whence, "whence", c.whence);
      break;
    case OpKind::fcntl:
      fd();
      out << " cmd=" << choice_name(Arg::fcntl_cmd, "cmd", c.cmd);
      if (c.cmd == FcntlCmd::setfd) out << " arg=" << join(fd_flag_names(c.arg));
      if (c.cmd == FcntlCmd::setfl) out << " arg=" << join(status_flag_names(c.arg));
      break;
    case OpKind::shutdown:
      fd();
      out << " how=" << choice_name(Arg::shut_how, "how", c.how);
      break;
    case OpKind::give:
      fd();
      out << " to=" << c.to;
      break;
    case OpKind::bind:
    case OpKind::connect:
      fd();
      out << " addr=" << address(*c.addr);
      break;
    case OpKind::listen:
      fd();
      out << " backlog=" << c.backlog;
      break;
    case OpKind::accept:
      fd();
      flags(true);
      break;
    case OpKind::unlink:
      out << " path=" << encode_hex(c.addr->name);
      break;
    case OpKind::setsockopt:
      fd();
      out << " opt=" << sockopt_name(c.opt) << " value=" << c.value;
      break;
    case OpKind::getsockopt:
      fd();
      out << " opt=" << sockopt_name(c.opt);
      break;
    case OpKind::setrlimit:
      out << " soft=" << c.value;
      break;
    case OpKind::set_ids:
      out << " uid=" << c.value << " gid=" << c.gid;
      break;
    case OpKind::open:
      out << " kind=" << choice_name(Arg::open_kind, "kind", c.open_kind);
      if (c.addr != nullptr && !c.addr->name.empty()) out << " path=" << encode_hex(c.addr->name);
      flags(false);
      break;
    case OpKind::poll:
      fd();
      out << " events=" << join(poll_event_names(c.events));
      break;
    case OpKind::dup:
    case OpKind::close:
    case OpKind::autobind:
    case OpKind::disconnect:
    case OpKind::getsockname:
    case OpKind::getpeername:
      fd();
      break;
    case OpKind::collect:
    case OpKind::count_fds:
    case OpKind::list_fds:
      break;
  }
  return out.str();
}

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string::size_type at = 0;
  for (;;) {
    const auto next = s.find(sep, at);
    out.push_back(s.substr(at, next == std::string::npos ? std::string::npos : next - at));
    if (next == std::string::npos) return out;
    at = next + 1;
  }
}

long number(const std::string& line, const std::string& s) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0) bad_answer(line, "'" + s + "' is not a number");
  return static_cast<long>(v);
}

template <typename Bit, typename FromName>
Bit names_to_bits(const std::string& line, const std::string& list, FromName from_name,
                  const char* what) {
  Bit bits = 0;
  if (list.empty()) return bits;
  for (const auto& n : split(list, ',')) {
    Bit bit = 0;
    if (!from_name(n, bit))
      bad_answer(line, std::string(what) + " '" + n + "', which the model has no name for");
    bits |= bit;
  }
  return bits;
}

AnsweredFd parse_fd(const std::string& line, const std::string& v) {
  const auto parts = split(v, ',');
  if (parts.size() != 3 || (parts[2] != "0" && parts[2] != "1")) bad_answer(line, "a bad fd=");
  return {static_cast<int>(number(line, parts[0])), parts[1], parts[2] == "1"};
}

ReportedAddr parse_addr(const std::string& line, const std::string& v) {
  ReportedAddr a;
  std::string name;
  if (v == "unnamed") return a;
  if (v == "autobind") {
    a.kind = ReportedAddr::Kind::autobind;
    return a;
  }
  const bool abstract = v.rfind("abstract:", 0) == 0;
  if (!abstract && v.rfind("path:", 0) != 0) bad_answer(line, "an address '" + v + "'");
  if (!decode_hex(v.substr(abstract ? 9 : 5), name)) bad_answer(line, "an address not in hex");
  a.kind = ReportedAddr::Kind::named;
  a.addr = {name, abstract};
  return a;
}

// "SCM_RIGHTS,20" or "SCM_INQ,20,5". Not SCM_PIDFD: the runner refuses SO_PASSPIDFD, since
// it could not tell its pidfds apart (docs/posix-runner.md, "Identity").
RecvCmsg parse_cmsg(const std::string& line, const std::string& v) {
  const auto parts = split(v, ',');
  RecvCmsg c;
  if (parts.size() < 2 || parts.size() > 3) bad_answer(line, "a bad cmsg=");
  c.type = -1;
  for (const auto& [name, number] : kCmsgTypes)
    if (parts[0] == name && number != cmsg::scm_pidfd) c.type = number;
  if (c.type < 0)
    bad_answer(line, "a cmsg of type " + parts[0] + ", which the backend cannot name");
  c.len = static_cast<std::size_t>(number(line, parts[1]));
  if (parts.size() == 3) c.value = number(line, parts[2]);
  return c;
}

AnsweredCreds parse_creds(const std::string& line, const std::string& v, bool with_fields) {
  const auto parts = split(v, ',');
  AnsweredCreds c;
  const std::size_t at = with_fields ? 1 : 0;
  if (parts.size() != at + 3) bad_answer(line, "bad credentials");
  c.present = true;
  c.fields = with_fields ? static_cast<int>(number(line, parts[0])) : 3;
  c.pid = number(line, parts[at]);
  c.uid = number(line, parts[at + 1]);
  c.gid = number(line, parts[at + 2]);
  return c;
}

void parse_field(const std::string& line, const std::string& key, const std::string& v, Answer& a) {
  if (key == "fd") {
    a.fds.push_back(parse_fd(line, v));
  } else if (key == "data") {
    if (!decode_hex(v, a.data)) bad_answer(line, "data not in hex");
    a.has_data = true;
  } else if (key == "msg_flags") {
    a.msg_flags = names_to_bits<std::uint32_t>(line, v, msg_flag_from_name, "msg_flags");
  } else if (key == "controllen") {
    a.controllen = static_cast<std::size_t>(number(line, v));
  } else if (key == "cmsg") {
    if (!a.cmsgs.push_back(parse_cmsg(line, v))) bad_answer(line, "more cmsgs than AF_UNIX writes");
  } else if (key == "creds") {
    a.creds = parse_creds(line, v, true);
  } else if (key == "peercred") {
    a.creds = parse_creds(line, v, false);
  } else if (key == "name" || key == "from") {
    a.has_name = true;
    a.name = parse_addr(line, v);
  } else if (key == "value") {
    if (v == "SOCK_STREAM" || v == "SOCK_SEQPACKET" || v == "SOCK_DGRAM")
      a.value = static_cast<long>(v == "SOCK_STREAM"      ? SockType::stream
                                  : v == "SOCK_SEQPACKET" ? SockType::seqpacket
                                                          : SockType::dgram);
    else
      a.value = number(line, v);
  } else if (key == "flags") {
    a.has_flags = true;
    a.value = v == "FD_CLOEXEC" ? 1 : names_to_bits<long>(line, v, status_flag_from_name, "a flag");
  } else if (key == "revents") {
    a.value = names_to_bits<std::uint32_t>(line, v, poll_event_from_name, "revents");
  } else if (key == "sigpipe") {
    a.sigpipe = v == "1";
  } else {
    a.extra.emplace_back(key, v);
  }
}

}  // namespace

const std::string* Answer::find(std::string_view key) const {
  for (const auto& [k, v] : extra)
    if (k == key) return &v;
  return nullptr;
}

Answer parse_answer(const std::string& line) {
  Answer a;
  const auto space = line.find(' ');
  const std::string kind = line.substr(0, space);
  const std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
  if (kind == "blocked") {
    a.kind = Answer::Kind::blocked;
    return a;
  }
  if (kind == "unsupported" || kind == "fail") {
    a.kind = kind == "fail" ? Answer::Kind::fail : Answer::Kind::unsupported;
    a.text = rest;
    return a;
  }
  if (kind != "ok" && kind != "err") bad_answer(line, "no ok, err, blocked, unsupported or fail");
  auto words = split(rest, ' ');
  if (words.empty() || words[0].empty()) bad_answer(line, "no value after " + kind);
  if (kind == "ok") {
    a.kind = Answer::Kind::ok;
    a.ret = number(line, words[0]);
  } else {
    a.kind = Answer::Kind::err;
    a.ret = -1;
    if (!errno_from_name(words[0], a.err) || a.err == Errno::ok)
      bad_answer(line, "the errno " + words[0] + ", which the model has no name for,");
  }
  for (std::size_t i = 1; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) bad_answer(line, "'" + words[i] + "' is no key=value");
    parse_field(line, words[i].substr(0, eq), words[i].substr(eq + 1), a);
  }
  return a;
}

Hello parse_hello(const std::string& line) {
  Hello h;
  const auto words = split(line, ' ');
  if (words.size() < 2 || words[0] != "fdlab-posix-runner")
    throw HarnessError("", -1, "",
                       "runner: it did not start with the line 'fdlab-posix-runner VERSION ...' "
                       "but '" +
                           line.substr(0, 200) + "'");
  h.version = static_cast<int>(number(line, words[1]));
  for (std::size_t i = 2; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) continue;
    const std::string key = words[i].substr(0, eq), v = words[i].substr(eq + 1);
    if (key == "variant") h.variant = v;
    if (key == "system") h.system = v;
    if (key == "identity") h.identity = v;
    if (key == "uid") h.uid = number(line, v);
    if (key == "gid") h.gid = number(line, v);
    if (key == "cmsg") {
      const auto parts = split(v, ',');
      if (parts.size() != 2) bad_answer(line, "a bad cmsg=");
      h.cmsg_header = static_cast<std::size_t>(number(line, parts[0]));
      h.cmsg_align = static_cast<std::size_t>(number(line, parts[1]));
    }
  }
  return h;
}

}  // namespace fdlab::runner
