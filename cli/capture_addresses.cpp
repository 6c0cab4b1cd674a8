// Socket addresses of a captured program in its scenario. A scenario's paths are plain names
// in its own directory (docs/scenario-format.md, "Addresses"), so each real path gets a name:
// its last component, made unique; the same real path (absolute, or relative to the process's
// directory when it was used) is the same name everywhere. Abstract names stay themselves.
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "cli/capture_converter.h"
#include "core/bytes.h"
#include "core/kernel.h"

namespace fdlab::capture {
namespace {

std::string unhex(const json& v) {
  std::string out;
  if (v.is_string()) decode_hex(v.get<std::string>(), out);
  return out;
}

bool printable(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

bool autobind_name(const std::string& s) {
  if (s.size() != 5) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c)))
      return false;
  return true;
}

}  // namespace

std::string Converter::path_name(const std::string& abs, const std::string& raw) {
  if (const auto it = path_names_.find(abs); it != path_names_.end()) return it->second;
  const auto slash = abs.find_last_of('/');
  std::string base;
  for (char c : slash == std::string::npos ? abs : abs.substr(slash + 1))
    base += std::isalnum(static_cast<unsigned char>(c)) || std::strchr("._-+=,", c) ? c : '_';
  if (base.empty() || base == "." || base == "..") base = "sock";
  if (base[0] == '.') base[0] = '_';
  // A path near sun_path's 108 bytes keeps its length, so that a length error comes out the same.
  if (raw.size() >= 100 && raw.size() > base.size())
    base = std::string(raw.size() - base.size(), 'x') + base;
  std::string name = base;
  for (int k = 2; taken_names_.count(name); ++k) name = base + "-" + std::to_string(k);
  taken_names_.insert(name);
  path_names_[abs] = name;
  raw_names_.emplace(raw, name);
  return name;
}

std::optional<std::string> Converter::address_name(const json& addr, bool quiet) {
  const std::string kind = addr["kind"].get<std::string>();
  if (kind == "path") return path_name(unhex(addr["abs_hex"]), unhex(addr["path_hex"]));
  if (kind != "abstract") return std::nullopt;
  std::string name = unhex(addr["name_hex"]);
  if (!printable(name) || name.size() > kMaxAbstractName) {
    if (!quiet)
      note(true,
           "the abstract name " + encode_hex(name) +
               " is not printable text of at most 91 bytes, as a scenario's must be; it is "
               "written as its hex",
           static_cast<int>(steps_.size()));
    name = encode_hex(name).substr(0, kMaxAbstractName);
  }
  return "@" + name;
}

json Converter::reported_address(const json& addr) {
  const std::string kind = addr["kind"].get<std::string>();
  if (kind == "path") {
    const std::string raw = unhex(addr["path_hex"]);
    if (const auto it = raw_names_.find(raw); it != raw_names_.end()) return {{"path", it->second}};
    return {{"path", path_name(unhex(addr["abs_hex"]), raw)}};
  }
  if (kind == "abstract") {
    const std::string name = unhex(addr["name_hex"]);
    if (!abstract_.count(name) && autobind_name(name)) return {{"autobind", true}};
    return {{"abstract", address_name(addr, true).value_or("@").substr(1)}};
  }
  return {{"unnamed", true}};
}

void Converter::stale_socket_file(Proc& p, const std::string& name) {
  const std::string obj = new_object("stale");
  const std::string label = fd_label(obj);
  const int q = p.lowest_free();
  emit(p, {{"op", "socket"}, {"type", "stream"}, {"as", {label}}, {"expect", {{"ret", q}}}},
       "the program's socket file for '" + name +
           "' was there before the capture (a stale one): "
           "made here, bound and closed, so that the file exists");
  p.fds[q] = FdEntry{FdEntry::Kind::object, label, obj, false, false};
  emit(p, {{"op", "bind"}, {"sock", label}, {"path", name}, {"expect", {{"ret", 0}}}});
  close_entry(p, q, "");
  files_.insert(name);
}

void Converter::on_bind(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  const json& addr = r["addr"];
  const std::string kind = addr["kind"].get<std::string>();
  const json sock = fd_ref(p, r["fd"].get<int>());
  if (kind == "unnamed") {
    emit(p, {{"op", "autobind"}, {"sock", sock}, {"expect", result(r)}});
    return;
  }
  const auto name = address_name(addr);
  const bool ok = r["ret"].get<long>() == 0;
  if (!name) {
    note(ok,
         "bind to an address the scenario cannot state (family " +
             std::to_string(addr.value("family", 0)) + "); left out",
         static_cast<int>(steps_.size()));
    return;
  }
  if (!ok) {
    const int e = r["errno"].get<int>();
    if (kind == "path" && e == EADDRINUSE && !files_.count(*name)) {
      stale_socket_file(p, *name);
    } else if (kind == "abstract" && e == EADDRINUSE && !abstract_.count(name->substr(1))) {
      note(true, "bind found the abstract name " + *name + " held by a socket outside the capture",
           static_cast<int>(steps_.size()));
      return;
    } else if (kind == "path" && e != EADDRINUSE && e != EINVAL) {
      note(false,
           "bind failed with " + errno_of(r).value_or("?") +
               " for a path a scenario's "
               "flat directory cannot reproduce; left out",
           static_cast<int>(steps_.size()));
      return;
    }
  }
  emit(p, {{"op", "bind"}, {"sock", sock}, {"path", *name}, {"expect", result(r)}});
  if (ok && kind == "path") files_.insert(*name);
  if (ok && kind == "abstract") abstract_.insert(name->substr(1));
}

void Converter::on_connect(const json& r) {
  Proc& p = proc_of(r["pid"].get<long>());
  const json& addr = r["addr"];
  const std::string kind = addr["kind"].get<std::string>();
  const json sock = fd_ref(p, r["fd"].get<int>());
  if (kind == "unspec") {
    emit(p, {{"op", "disconnect"}, {"sock", sock}, {"expect", result(r)}});
    return;
  }
  const auto name = address_name(addr);
  const bool ok = r["ret"].get<long>() == 0;
  if (!name) {
    note(ok, "connect to an address the scenario cannot state; left out",
         static_cast<int>(steps_.size()));
    return;
  }
  if (!ok && kind == "path") {
    const int e = r["errno"].get<int>();
    if (e == ECONNREFUSED && !files_.count(*name)) stale_socket_file(p, *name);
    if (e == ENOENT && files_.count(*name))
      note(true,
           "connect found no file at '" + *name +
               "', which the scenario still has (removed "
               "by a call the capture does not record?)",
           static_cast<int>(steps_.size()));
  }
  emit(p, {{"op", "connect"}, {"sock", sock}, {"path", *name}, {"expect", result(r)}});
}

void Converter::on_name(const json& r, bool peer) {
  Proc& p = proc_of(r["pid"].get<long>());
  json expect = result(r);
  if (r["ret"].get<long>() == 0) expect["name"] = reported_address(r["addr"]);
  emit(p, {{"op", peer ? "getpeername" : "getsockname"},
           {"sock", fd_ref(p, r["fd"].get<int>())},
           {"expect", expect}});
}

void Converter::on_unlink(const json& r) {
  const std::string abs = unhex(r["abs_hex"]);
  const auto known = path_names_.find(abs);
  const bool ok = r["ret"].get<long>() == 0;
  if (known != path_names_.end() && files_.count(known->second)) {
    Proc& p = proc_of(r["pid"].get<long>());
    emit(p, {{"op", "unlink"}, {"path", known->second}, {"expect", result(r)}});
    if (ok) files_.erase(known->second);
    return;
  }
  if (ok) {
    note(false,
         "unlink of the socket file " + abs +
             ", which no captured process bound (left from before the capture): left out, "
             "the scenario never had it",
         static_cast<int>(steps_.size()));
    return;
  }
  note(false, "a failed unlink of " + abs + " is left out", static_cast<int>(steps_.size()));
}

}  // namespace fdlab::capture
