#include "cli/capture_scenario.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "cli/capture_converter.h"
#include "core/bytes.h"
#include "core/errno_name.h"
#include "core/flag_names.h"
#include "core/harness_error.h"
#include "core/kernel.h"
#include "core/trace.h"
#include "native/host_errno.h"
#include "native/host_flags.h"

namespace fdlab {
namespace capture {
namespace {

std::string basename_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A process name from argv[0]: letters, digits, '.', '_' and '-'.
std::string clean_name(const std::string& s) {
  std::string out;
  for (char c : s)
    out +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
  return out.empty() ? "p" : out;
}

// Linux's SOL_SOCKET option numbers for the options the scenario format has.
struct SockOptName {
  int host;
  const char* name;
  enum class Value : std::uint8_t { integer, boolean, type, creds, pidfd } value;
};
constexpr SockOptName kSockOpts[] = {
    {SO_SNDBUF, "SO_SNDBUF", SockOptName::Value::integer},
    {SO_RCVBUF, "SO_RCVBUF", SockOptName::Value::integer},
    {SO_PASSCRED, "SO_PASSCRED", SockOptName::Value::boolean},
    {SO_TYPE, "SO_TYPE", SockOptName::Value::type},
    {83, "SO_PASSRIGHTS", SockOptName::Value::boolean},  // Linux 6.16
    {84, "SO_INQ", SockOptName::Value::boolean},         // Linux 6.17
    {SO_PEERCRED, "SO_PEERCRED", SockOptName::Value::creds},
    {SO_PEEK_OFF, "SO_PEEK_OFF", SockOptName::Value::integer},
    {76, "SO_PASSPIDFD", SockOptName::Value::boolean},  // Linux 6.5
    {77, "SO_PEERPIDFD", SockOptName::Value::pidfd},    // Linux 6.5
    {SO_OOBINLINE, "SO_OOBINLINE", SockOptName::Value::boolean},
};

// Options that change how an AF_UNIX socket behaves and that the model does not have: set,
// the scenario may differ from the run from there on.
bool changes_behaviour(int opt) {
  return opt == SO_RCVTIMEO || opt == SO_SNDTIMEO || opt == SO_RCVLOWAT || opt == SO_SNDBUFFORCE ||
         opt == SO_RCVBUFFORCE || opt == SO_ATTACH_FILTER || opt == SO_ATTACH_BPF ||
         opt == SO_PASSSEC || opt == SO_MARK;
}

const char* sock_type_name(int type) {
  switch (type) {
    case SOCK_STREAM:
      return "stream";
    case SOCK_SEQPACKET:
      return "seqpacket";
    case SOCK_DGRAM:
      return "dgram";
  }
  return nullptr;
}

constexpr std::pair<short, std::uint32_t> kPollBits[] = {
    {POLLIN, pollev::in},         {POLLPRI, pollev::pri},       {POLLOUT, pollev::out},
    {POLLERR, pollev::err},       {POLLHUP, pollev::hup},       {POLLNVAL, pollev::nval},
    {POLLRDNORM, pollev::rdnorm}, {POLLRDBAND, pollev::rdband}, {POLLWRNORM, pollev::wrnorm},
    {POLLWRBAND, pollev::wrband}, {POLLRDHUP, pollev::rdhup},
};

bool poll_names(long host, std::vector<std::string>& out) {
  std::uint32_t bits = 0;
  long known = 0;
  for (const auto& [h, core] : kPollBits) {
    known |= static_cast<unsigned short>(h);
    if (host & h) bits |= core;
  }
  out = poll_event_names(bits);
  return (host & ~known) == 0;
}

}  // namespace

int Proc::lowest_free() const {
  int n = 0;
  for (const auto& [fd, e] : fds) {
    if (fd != n) break;
    ++n;
  }
  return n;
}

// ---- writing ----

json& Converter::emit(Proc& p, const json& step, const std::string& comment) {
  json s{{"proc", p.name}};
  s.update(step);
  if (!comment.empty()) s["comment"] = comment;
  steps_.push_back(std::move(s));
  return steps_.back();
}

void Converter::note(bool error, const std::string& text, int step) {
  notes_.push_back({step, error, text});
}

void Converter::note_last(bool error, const std::string& text) {
  note(error, text, static_cast<int>(steps_.size()) - 1);
}

std::string Converter::new_object(const std::string& base) {
  return base + std::to_string(++counters_[base]);
}

std::string Converter::fd_label(const std::string& object) {
  const int n = ++object_fds_[object];
  return n == 1 ? object : object + "." + std::to_string(n);
}

std::optional<std::string> Converter::errno_of(const json& r) {
  if (!r.contains("errno")) return std::nullopt;
  const int e = r["errno"].get<int>();
  try {
    return std::string(errno_name(native::errno_from_host(e)));
  } catch (const HarnessError&) {
    return "errno " + std::to_string(e);
  }
}

json Converter::result(const json& r) {
  if (r.value("ret", 0L) >= 0 || !r.contains("errno")) return {{"ret", r["ret"]}};
  const auto name = errno_of(r);
  Errno parsed;
  if (name && errno_from_name(*name, parsed)) return {{"errno", *name}};
  // The model has no such errno: the step can only fail somehow.
  note(true, "the call failed with " + name.value_or("?") + ", an errno the model does not have",
       static_cast<int>(steps_.size()));
  return {{"ret", -1}};
}

std::vector<std::string> Converter::msg_flags(long host, const std::string& what) {
  const std::uint32_t core = native::msg_flags_from_host(static_cast<int>(host));
  if (native::host_msg_flags(core) != static_cast<int>(host))
    note(true,
         what + " has flag bits the model has no name for (" + std::to_string(host) +
             "); they are left out",
         static_cast<int>(steps_.size()));
  return msg_flag_names(core);
}

json Converter::cred_pid(long pid) {
  if (pid == 0) return "none";
  if (pid == 1) return "init";
  if (all_pids_.count(pid)) return "scenario";
  return nullptr;
}

json Converter::cred_id(long id, bool uid) {
  if (id == (uid ? info_.uid : info_.gid)) return "self";
  if (id == 65534) return "nobody";
  return id;
}

std::string Converter::object_of_key(const json& key) {
  if (!key.is_string()) return "";
  const auto it = key_objects_.find(key.get<std::string>());
  return it == key_objects_.end() ? "" : it->second;
}

// ---- processes ----

Proc* Converter::live_proc(long pid) {
  const auto it = pids_.find(pid);
  if (it == pids_.end() || it->second.proc < 0) return nullptr;
  return &procs_[static_cast<std::size_t>(it->second.proc)];
}

std::string Converter::unique_name(const std::string& hint) {
  std::string name = clean_name(hint);
  for (int k = 2; names_.count(name); ++k) name = clean_name(hint) + "." + std::to_string(k);
  names_.insert(name);
  return name;
}

Proc& Converter::new_proc(long pid, const std::string& hint) {
  if (procs_.size() >= 64)
    throw std::runtime_error(
        "the program ran more than 64 processes that passed fds; a "
        "scenario has at most 64");
  Proc p;
  p.index = static_cast<int>(procs_.size());
  p.name = unique_name(hint);
  p.pid = pid;
  for (int fd = 0; fd < 3; ++fd) p.fds[fd] = FdEntry{FdEntry::Kind::initial, "", "", false, false};
  procs_.push_back(std::move(p));
  PidInfo& info = pids_[pid];
  info.proc = procs_.back().index;
  procs_.back().argv0 = info.argv0;
  return procs_.back();
}

Proc& Converter::proc_of(long pid) {
  if (Proc* p = live_proc(pid)) return *p;
  const PidInfo& info = pids_[pid];
  std::string hint = basename_of(info.argv0);
  if (hint.empty() && info.parent_proc >= 0)
    hint = procs_[static_cast<std::size_t>(info.parent_proc)].name;
  return new_proc(pid, hint.empty() ? "p" : hint);
}

// ---- the records ----

void Converter::record(const json& r) {
  const std::string call = r.at("call").get<std::string>();
  const long pid = r.at("pid").get<long>();
  all_pids_.insert(pid);
  if (call == "start") return on_start(r);
  if (call == "fork") return on_fork(r);
  if (call == "exit") return on_exit(r);
  if (call == "lost") return on_lost(r);
  if (call == "socket") return on_socket(r);
  if (call == "socketpair") return on_pair(r, false);
  if (call == "pipe") return on_pair(r, true);
  if (call == "accept") return on_accept(r);
  if (call == "bind") return on_bind(r);
  if (call == "listen") return on_listen(r);
  if (call == "connect") return on_connect(r);
  if (call == "shutdown") return on_shutdown(r);
  if (call == "getsockname") return on_name(r, false);
  if (call == "getpeername") return on_name(r, true);
  if (call == "setsockopt") return on_sockopt(r, true);
  if (call == "getsockopt") return on_sockopt(r, false);
  if (call == "sendmsg") return on_send(r, false);
  if (call == "write") return on_send(r, true);
  if (call == "recvmsg") return on_recv(r, false);
  if (call == "read") return on_recv(r, true);
  if (call == "close") return on_close(r);
  if (call == "dup") return on_dup(r);
  if (call == "fcntl") return on_fcntl(r);
  if (call == "ioctl") return on_ioctl(r);
  if (call == "close_range") return on_close_range(r);
  if (call == "poll") return on_poll(r);
  if (call == "unlink") return on_unlink(r);
  if (call == "unsupported") {
    Proc& p = proc_of(pid);
    note(true,
         p.name + " (pid " + std::to_string(pid) + ") called " + r["what"].get<std::string>() +
             " on its fd " + std::to_string(r["fd"].get<int>()) +
             ", which the model has no op for: what it did is not in the scenario",
         static_cast<int>(steps_.size()));
    return;
  }
  throw std::runtime_error("the capture log has a record of an unknown call '" + call + "'");
}

void Converter::on_start(const json& r) {
  const long pid = r["pid"].get<long>();
  PidInfo& info = pids_[pid];
  if (Proc* p = live_proc(pid)) {
    info.argv0 = r["argv0"].get<std::string>();
    return exec_process(*p, r);
  }
  info.argv0 = r["argv0"].get<std::string>();
  if (info.ppid == 0) info.ppid = r["ppid"].get<long>();
  if (!r["fds"].empty()) inherit(proc_of(pid), info.ppid, r["fds"]);
}

void Converter::on_fork(const json& r) {
  const long parent_pid = r["pid"].get<long>();
  if (r["ret"].get<long>() < 0) return;  // no child: nothing changed
  const long child_pid = r["ret"].get<long>();
  all_pids_.insert(child_pid);
  const PidInfo parent_info = pids_[parent_pid];
  PidInfo& info = pids_[child_pid];
  info = PidInfo{};
  info.argv0 = parent_info.argv0;
  info.ppid = parent_pid;
  info.parent_proc = parent_info.proc;
  Proc* parent = live_proc(parent_pid);
  if (!parent) return;   // it holds nothing the model follows
  bool differs = false;  // from a fresh process's 0, 1, 2
  for (int fd = 0; fd < 3; ++fd)
    if (!parent->fds.count(fd) || parent->fds[fd].kind != FdEntry::Kind::initial) differs = true;
  if (parent->fds.size() > 3 || differs) {
    const int parent_index = parent->index;
    Proc& child = new_proc(child_pid, basename_of(info.argv0));
    mirror_fork(procs_[static_cast<std::size_t>(parent_index)], child, r["fds"]);
  }
}

void Converter::on_socket(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  const int type = r["type"].get<int>();
  const int base = type & 0xf;
  const int extra = type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC);
  const char* name = sock_type_name(base == SOCK_RAW ? SOCK_DGRAM : base);
  const long ret = r["ret"].get<long>();
  if (!name || extra || r["protocol"].get<int>() != 0) {
    const std::string what = "socket(AF_UNIX, " + std::to_string(type) + ", " +
                             std::to_string(r["protocol"].get<int>()) + ")";
    if (ret < 0) {
      note(false, what + " failed: a type or protocol the scenario format cannot state; left out",
           static_cast<int>(steps_.size()));
      return;
    }
    if (!name) {
      note(true, what + " made a socket of a type the model does not have; left out",
           static_cast<int>(steps_.size()));
      return;
    }
  }
  json step{{"op", "socket"}, {"type", name}};
  new_fd_step(p, step, r, type, "sock");
  if (base == SOCK_RAW && ret >= 0)
    note_last(false, "SOCK_RAW is SOCK_DGRAM on AF_UNIX: written as dgram");
}

void Converter::new_fd_step(Proc& p, json step, const json& r, int flags, const char* base) {
  if (flags & SOCK_NONBLOCK) step["nonblock"] = true;
  if (flags & SOCK_CLOEXEC) step["cloexec"] = true;
  const long ret = r["ret"].get<long>();
  if (ret < 0) {
    step["expect"] = result(r);
    emit(p, step);
    return;
  }
  const int fd = static_cast<int>(ret);
  arrange(p, {fd});
  const std::string obj = new_object(base);
  key_objects_[r["key"].get<std::string>()] = obj;
  step["as"] = {fd_label(obj)};
  step["expect"] = {{"ret", fd}};
  emit(p, step);
  p.fds[fd] = FdEntry{FdEntry::Kind::object, obj, obj, true, (flags & SOCK_CLOEXEC) != 0};
}

// socketpair and pipe: two new objects.
void Converter::on_pair(const json& r, bool pipe) {
  Proc& p = proc_of(r["pid"].get<long>());
  json step{{"op", pipe ? "pipe" : "socketpair"}};
  bool cloexec = false, nonblock = false;
  if (pipe) {
    const int flags = r["flags"].get<int>();
    cloexec = flags & O_CLOEXEC;
    nonblock = flags & O_NONBLOCK;
    if (flags & ~(O_CLOEXEC | O_NONBLOCK))
      note(r["ret"].get<long>() == 0,
           "pipe2 flags " + std::to_string(flags) +
               " the model does not have (O_DIRECT?) are left out",
           static_cast<int>(steps_.size()));
  } else {
    const int type = r["type"].get<int>();
    const char* name = sock_type_name(type & 0xf);
    if (!name || r["protocol"].get<int>() != 0) {
      note(r["ret"].get<long>() == 0,
           "socketpair(AF_UNIX, " + std::to_string(type) + ", " +
               std::to_string(r["protocol"].get<int>()) +
               "): a type or protocol the scenario format cannot state; left out",
           static_cast<int>(steps_.size()));
      return;
    }
    step["type"] = name;
    cloexec = type & SOCK_CLOEXEC;
    nonblock = type & SOCK_NONBLOCK;
    if (nonblock) step["nonblock"] = true;
  }
  if (cloexec) step["cloexec"] = true;
  if (r["ret"].get<long>() != 0) {
    step["expect"] = result(r);
    emit(p, step);
    return;
  }
  const int a = r["fds"][0].get<int>(), b = r["fds"][1].get<int>();
  arrange(p, {a, b});
  const std::string base = new_object(pipe ? "pipe" : "pair");
  const std::string oa = base + (pipe ? "r" : "a"), ob = base + (pipe ? "w" : "b");
  key_objects_[r["key0"].get<std::string>()] = oa;
  key_objects_[r["key1"].get<std::string>()] = ob;
  step["as"] = {fd_label(oa), fd_label(ob)};
  step["expect"] = {{"ret", 0}, {"fds", {{{"obj", oa}, {"fd", a}}, {{"obj", ob}, {"fd", b}}}}};
  emit(p, step);
  p.fds[a] = FdEntry{FdEntry::Kind::object, oa, oa, true, cloexec};
  p.fds[b] = FdEntry{FdEntry::Kind::object, ob, ob, true, cloexec};
  if (pipe && nonblock) {
    // pipe2(O_NONBLOCK) sets it on both open file descriptions: what F_SETFL does.
    for (const auto& l : {oa, ob})
      emit(p,
           {{"op", "fcntl"},
            {"fd", l},
            {"cmd", "F_SETFL"},
            {"arg", {"O_NONBLOCK"}},
            {"expect", {{"ret", 0}}}},
           "pipe2's O_NONBLOCK");
  }
}

void Converter::on_accept(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  json step{{"op", r["accept4"].get<bool>() ? "accept4" : "accept"},
            {"sock", fd_ref(p, r["fd"].get<int>())}};
  new_fd_step(p, step, r, r["flags"].get<int>(), "conn");
}

void Converter::on_close(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  const int fd = r["fd"].get<int>();
  emit(p, {{"op", "close"}, {"fd", fd_ref(p, fd)}, {"expect", result(r)}});
  if (r["ret"].get<long>() == 0) p.fds.erase(fd);
}

void Converter::on_dup(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  const std::string how = r["how"].get<std::string>();
  const int fd = r["fd"].get<int>(), target = r["target"].get<int>();
  const long ret = r["ret"].get<long>();
  const bool onto = how == "dup2" || how == "dup3";
  if (onto && fd == target) return;  // dup2(fd, fd) changes nothing; dup3's EINVAL neither
  if (onto && !r["old_tracked"].get<bool>()) {
    // An fd the model does not follow, duplicated onto a tracked one: that one is closed.
    if (ret >= 0 && p.fds.count(target))
      close_entry(p, target, how + " of an fd the model does not follow onto this one closes it");
    return;
  }
  if (ret < 0) {
    if (onto) {
      note(false, how + " failed; the scenario's dup has no target number, so it is left out",
           static_cast<int>(steps_.size()));
      return;
    }
    emit(p, {{"op", "dup"}, {"fd", fd_ref(p, fd)}, {"expect", result(r)}});
    return;
  }
  const int n = static_cast<int>(ret);
  const json from = fd_ref(p, fd);
  if (onto && p.fds.count(n))
    close_entry(p, n, how + " closes what was at fd " + std::to_string(n));
  const auto fillers = arrange(p, {n}, onto ? n : how == "dup" ? 0 : target);
  const auto src = p.fds.find(fd);
  const std::string object = src != p.fds.end() ? src->second.object : "";
  const std::string label = fd_label(object.empty() ? "unknown" : object);
  emit(p, {{"op", "dup"}, {"fd", from}, {"as", {label}}, {"expect", {{"ret", n}}}},
       how == "dup" ? "" : how + " written as dup, at the same number");
  p.fds[n] = FdEntry{FdEntry::Kind::object, label, object,
                     src != p.fds.end() && src->second.tracked, false};
  close_all(p, fillers, "");
  if (r.value("cloexec", false)) {
    emit(p,
         {{"op", "fcntl"},
          {"fd", label},
          {"cmd", "F_SETFD"},
          {"arg", {"FD_CLOEXEC"}},
          {"expect", {{"ret", 0}}}},
         how + "'s close-on-exec");
    p.fds[n].cloexec = true;
  }
}

void Converter::on_fcntl(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  const int fd = r["fd"].get<int>(), cmd = r["cmd"].get<int>();
  const long arg = r["arg"].get<long>(), ret = r["ret"].get<long>();
  json step{{"op", "fcntl"}, {"fd", fd_ref(p, fd)}};
  json expect = result(r);
  switch (cmd) {
    case F_GETFD:
      step["cmd"] = "F_GETFD";
      if (ret >= 0) expect = {{"flags", fd_flag_names(ret & FD_CLOEXEC)}};
      break;
    case F_SETFD:
      step["cmd"] = "F_SETFD";
      step["arg"] = fd_flag_names(arg & FD_CLOEXEC);
      if (ret == 0 && p.fds.count(fd)) p.fds[fd].cloexec = (arg & FD_CLOEXEC) != 0;
      break;
    case F_GETFL: {
      step["cmd"] = "F_GETFL";
      if (ret >= 0) {
        const long known = O_ACCMODE | O_NONBLOCK | O_APPEND | O_LARGEFILE;
        if (ret & ~known)
          note(false,
               "F_GETFL answered flags the model has no name for (" + std::to_string(ret) +
                   "); the expectation leaves them out",
               static_cast<int>(steps_.size()));
        expect = {
            {"flags", status_flag_names(native::status_flags_from_host(static_cast<int>(ret)))}};
      }
      break;
    }
    case F_SETFL: {
      step["cmd"] = "F_SETFL";
      json names = json::array();
      if (arg & O_APPEND) names.push_back("O_APPEND");
      if (arg & O_NONBLOCK) names.push_back("O_NONBLOCK");
      step["arg"] = names;
      // What F_SETFL can change (setfl, fs/fcntl.c) beyond O_APPEND and O_NONBLOCK.
      if (arg & (O_ASYNC | O_DIRECT | O_NOATIME))
        note(ret == 0,
             "F_SETFL with flags the model does not have (O_ASYNC, O_DIRECT, "
             "O_NOATIME); only O_APPEND and O_NONBLOCK are in the step",
             static_cast<int>(steps_.size()));
      break;
    }
    default:
      note(cmd == F_SETPIPE_SZ && ret >= 0,
           "fcntl command " + std::to_string(cmd) + " on " + p.name + "'s fd " +
               std::to_string(fd) +
               (cmd == F_SETPIPE_SZ ? " changed the pipe's size, which the model does not have"
                                    : " is not in the model; left out"),
           static_cast<int>(steps_.size()));
      return;
  }
  step["expect"] = expect;
  emit(p, step);
}

void Converter::on_ioctl(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  const int fd = r["fd"].get<int>();
  const unsigned long req = r["req"].get<unsigned long>();
  const bool ok = r["ret"].get<long>() == 0;
  if (req == FIONBIO || req == FIOCLEX || req == FIONCLEX) {
    if (!ok) {
      note(false, "a failed ioctl changing the fd's flags is left out",
           static_cast<int>(steps_.size()));
      return;
    }
    if (req == FIONBIO) {
      const long fl = r["status_flags"].get<long>();
      json names = json::array();
      if (fl & O_APPEND) names.push_back("O_APPEND");
      if (fl & O_NONBLOCK) names.push_back("O_NONBLOCK");
      emit(p,
           {{"op", "fcntl"},
            {"fd", fd_ref(p, fd)},
            {"cmd", "F_SETFL"},
            {"arg", names},
            {"expect", {{"ret", 0}}}},
           "ioctl(FIONBIO), written as the F_SETFL that leaves the same flags");
    } else {
      const bool on = req == FIOCLEX;
      emit(p,
           {{"op", "fcntl"},
            {"fd", fd_ref(p, fd)},
            {"cmd", "F_SETFD"},
            {"arg", on ? json{"FD_CLOEXEC"} : json::array()},
            {"expect", {{"ret", 0}}}},
           on ? "ioctl(FIOCLEX), written as F_SETFD" : "ioctl(FIONCLEX), written as F_SETFD");
      if (p.fds.count(fd)) p.fds[fd].cloexec = on;
    }
    return;
  }
  const bool reads = req == FIONREAD || req == TIOCOUTQ;  // SIOCINQ, SIOCOUTQ
  note(
      !reads,
      "ioctl " + std::to_string(req) + " on " + p.name + "'s fd " + std::to_string(fd) +
          (reads ? " only reads the queue's length; not a step" : " is not in the model; left out"),
      static_cast<int>(steps_.size()));
}

void Converter::on_close_range(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  if (r["ret"].get<long>() != 0) return;
  const bool cloexec = r["cloexec"].get<bool>();
  for (const auto& f : r["fds"]) {
    const int fd = f.get<int>();
    if (!p.fds.count(fd)) continue;
    if (cloexec) {
      emit(p,
           {{"op", "fcntl"},
            {"fd", fd_ref(p, fd)},
            {"cmd", "F_SETFD"},
            {"arg", {"FD_CLOEXEC"}},
            {"expect", {{"ret", 0}}}},
           "close_range(CLOSE_RANGE_CLOEXEC), one fd at a time");
      p.fds[fd].cloexec = true;
    } else {
      close_entry(p, fd, "close_range, one fd at a time");
    }
  }
}

void Converter::on_shutdown(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  const int how = r["how"].get<int>();
  const char* names[] = {"SHUT_RD", "SHUT_WR", "SHUT_RDWR"};
  if (how < 0 || how > 2) {
    note(false,
         "shutdown with how = " + std::to_string(how) + " (EINVAL) cannot be stated; left out",
         static_cast<int>(steps_.size()));
    return;
  }
  emit(p, {{"op", "shutdown"},
           {"sock", fd_ref(p, r["fd"].get<int>())},
           {"how", names[how]},
           {"expect", result(r)}});
}

void Converter::on_listen(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  long backlog = r["backlog"].get<long>();
  std::string comment;
  // The kernel takes any backlog above net.core.somaxconn (or negative, as unsigned) as
  // somaxconn (__sys_listen).
  if (backlog > 65535 || backlog < -1) {
    comment = "backlog " + std::to_string(backlog) + " written as " +
              (backlog < 0 ? "-1" : "65535") + ": the kernel caps both at net.core.somaxconn";
    backlog = backlog < 0 ? -1 : 65535;
  }
  emit(p,
       {{"op", "listen"},
        {"sock", fd_ref(p, r["fd"].get<int>())},
        {"backlog", backlog},
        {"expect", result(r)}},
       comment);
}

void Converter::on_sockopt(const json& r, bool set) {
  Proc& p = proc_of(r["pid"].get<long>());
  const int level = r["level"].get<int>(), opt = r["opt"].get<int>(), fd = r["fd"].get<int>();
  const bool ok = r["ret"].get<long>() == 0;
  const SockOptName* known = nullptr;
  if (level == SOL_SOCKET)
    for (const auto& o : kSockOpts)
      if (o.host == opt) known = &o;
  const std::string what = std::string(set ? "setsockopt" : "getsockopt") + "(level " +
                           std::to_string(level) + ", option " + std::to_string(opt) + ") on " +
                           p.name + "'s fd " + std::to_string(fd);
  if (!known) {
    note(set && ok && (level != SOL_SOCKET || changes_behaviour(opt)),
         what + ": an option the model does not have; left out" +
             (set && ok && level == SOL_SOCKET && changes_behaviour(opt)
                  ? " (it changes how the socket behaves: the scenario may differ from here on)"
                  : ""),
         static_cast<int>(steps_.size()));
    return;
  }
  json step{
      {"op", set ? "setsockopt" : "getsockopt"}, {"sock", fd_ref(p, fd)}, {"opt", known->name}};
  if (set) {
    if (!r.contains("value")) {
      note(false, what + " with a value shorter than an int cannot be stated; left out",
           static_cast<int>(steps_.size()));
      return;
    }
    step["value"] = r["value"];
    step["expect"] = result(r);
    emit(p, step);
    return;
  }
  const long natural = known->value == SockOptName::Value::creds ? 12 : 4;
  if (r["optlen"].get<long>() != natural && r["optlen"].get<long>() < natural) {
    note(false, what + " with a short buffer cannot be stated; left out",
         static_cast<int>(steps_.size()));
    return;
  }
  json expect = result(r);
  if (ok) {
    std::string bytes;
    decode_hex(r["value_hex"].get<std::string>(), bytes);
    auto int_at = [&](std::size_t at) {
      std::int32_t v = 0;
      if (bytes.size() >= at + 4) std::memcpy(&v, bytes.data() + at, 4);
      return static_cast<long>(v);
    };
    switch (known->value) {
      case SockOptName::Value::integer:
        expect["value"] = int_at(0);
        break;
      case SockOptName::Value::boolean:
        expect["value"] = int_at(0) != 0;
        break;
      case SockOptName::Value::type:
        if (const auto t = native::sock_type_from_host(static_cast<int>(int_at(0))))
          expect["value"] = fdlab::sock_type_name(*t);  // as traces say it: "SOCK_STREAM"
        break;
      case SockOptName::Value::creds: {
        const json pid = cred_pid(int_at(0));
        if (pid.is_null()) {
          note(false, "SO_PEERCRED named a process outside the capture; the value is not checked",
               static_cast<int>(steps_.size()));
        } else {
          expect["value"] = {
              {"pid", pid}, {"uid", cred_id(int_at(4), true)}, {"gid", cred_id(int_at(8), false)}};
        }
        break;
      }
      case SockOptName::Value::pidfd: {
        const int n = static_cast<int>(r["newfd"].get<long>());
        arrange(p, {n});
        const std::string obj = new_object("pidfd");
        if (r["key"].is_string()) key_objects_[r["key"].get<std::string>()] = obj;
        step["as"] = {fd_label(obj)};
        p.fds[n] = FdEntry{FdEntry::Kind::object, obj, obj, false, true};
        break;
      }
    }
  }
  step["expect"] = expect;
  emit(p, step);
}

void Converter::on_poll(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  for (const auto& f : r["fds"]) {
    std::vector<std::string> events, revents;
    const bool known = poll_names(f["events"].get<long>(), events);
    poll_names(f["revents"].get<long>(), revents);
    // Answer-only bits asked for are ignored by the kernel; the format does not take them.
    events.erase(std::remove_if(events.begin(), events.end(),
                                [](const std::string& e) {
                                  return e == "POLLERR" || e == "POLLHUP" || e == "POLLNVAL";
                                }),
                 events.end());
    emit(p,
         {{"op", "poll"},
          {"fd", fd_ref(p, f["fd"].get<int>())},
          {"events", events},
          {"expect", {{"ret", revents.empty() ? 0 : 1}, {"revents", revents}}}},
         "poll, for this fd, at the moment the program's poll returned");
    if (!known) note_last(false, "poll events the model has no name for are left out");
  }
}

CaptureConversion Converter::finish() {
  for (auto& p : procs_) {
    if (p.ended) continue;
    bool holds = false;
    for (const auto& [fd, e] : p.fds) holds |= e.tracked;
    note(holds,
         p.name + " (pid " + std::to_string(p.pid) +
             ") ended without an exit the capture saw (a signal, or an exec of a program the "
             "library cannot be loaded into): its fds are closed at the end of the scenario",
         static_cast<int>(steps_.size()));
    end_process(p, "the end of the capture");
  }
  CaptureConversion out;
  json processes = json::array();
  for (const auto& p : procs_) processes.push_back(p.name);
  if (procs_.empty()) {
    // Nothing the model follows happened; a scenario still needs a process.
    processes.push_back("p");
    note(false, "the program made no call on an AF_UNIX socket or a pipe", -1);
  }
  std::ostringstream desc;
  desc << "Captured with fdlab capture from `" << info_.command << "` on Linux " << info_.kernel
       << ". Each step is a call the program made, in the order it happened, with the result "
          "it really got as its expectation; steps with a comment are written by the capture "
          "(placeholders, fillers, fork).";
  int errors = 0;
  for (const auto& n : notes_) errors += n.error;
  if (!notes_.empty()) {
    desc << " Notes:";
    for (const auto& n : notes_)
      desc << (n.error ? " [error" : " [note")
           << (n.step >= 0 ? ", step " + std::to_string(n.step) : "") << "] " << n.text << ".";
  }
  json tags = {"captured"};
  if (errors) tags.push_back("capture-inexact");
  out.scenario = {
      {"fdlab", 1},
      {"id", info_.id},
      {"level", "kernel"},
      {"title", "Captured: " + info_.command},
      {"description", desc.str()},
      {"tags", tags},
      {"provenance", "fdlab capture of `" + info_.command + "` on Linux " + info_.kernel},
      {"processes", processes},
      {"steps", steps_}};
  out.notes = notes_;
  return out;
}

}  // namespace capture

CaptureConversion convert_capture(const std::string& log, const CaptureInfo& info) {
  capture::Converter c(info);
  std::istringstream in(log);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    capture::json r;
    try {
      r = capture::json::parse(line);
    } catch (const capture::json::exception& e) {
      throw std::runtime_error("capture log line " + std::to_string(n) + ": " + e.what());
    }
    try {
      c.record(r);
    } catch (const capture::json::exception& e) {
      throw std::runtime_error("capture log line " + std::to_string(n) + " (" +
                               r.value("call", "?") + "): " + e.what());
    }
  }
  return c.finish();
}

}  // namespace fdlab
