#include "core/expectation.h"

#include <set>

#include "core/bytes.h"
#include "core/errno_name.h"
#include "core/flag_names.h"
#include "core/trace.h"

namespace fdlab {
namespace {

bool is_name_list(const nlohmann::json& v) {
  if (!v.is_array()) return false;
  for (const auto& item : v)
    if (!item.is_string()) return false;
  return true;
}

void check_fd_entry(const nlohmann::json& e, const JsonFields& step) {
  if (e.is_string()) return;
  if (!e.is_object()) step.fail("expect.fds", "each entry must be a label or an object");
  for (const auto& item : e.items()) {
    const auto& k = item.key();
    const auto& v = item.value();
    if (k == "obj" && v.is_string()) continue;
    if (k == "fd" && v.is_number_integer()) continue;
    if (k == "cloexec" && v.is_boolean()) continue;
    step.fail("expect.fds", "entry key '" + k +
                                "' must be obj (a label), fd (an integer) or "
                                "cloexec (a boolean)");
  }
}

std::string show(const nlohmann::json& v) { return v.is_null() ? "nothing" : v.dump(); }

// Reads back the bytes of a record: exact when it holds them, else only their size.
bool record_bytes(const nlohmann::json& r, std::string& bytes, std::size_t& size) {
  if (r.contains("data")) {
    bytes = r["data"].get<std::string>();
  } else if (r.contains("data_hex")) {
    decode_hex(r["data_hex"].get<std::string>(), bytes);
  } else if (r.contains("data_len")) {
    size = r["data_len"].get<std::size_t>();
    return false;
  } else {
    bytes.clear();
  }
  size = bytes.size();
  return true;
}

void match_data(const nlohmann::json& expect, const nlohmann::json& r,
                std::vector<std::string>& out) {
  std::string got;
  std::size_t got_size = 0;
  const bool exact = record_bytes(r, got, got_size);
  if (expect.contains("data_size") && expect["data_size"].get<std::size_t>() != got_size)
    out.push_back("data_size: expected " + expect["data_size"].dump() + ", got " +
                  std::to_string(got_size));
  std::string want;
  if (expect.contains("data"))
    want = expect["data"].get<std::string>();
  else if (expect.contains("data_hex"))
    decode_hex(expect["data_hex"].get<std::string>(), want);
  else
    return;
  const bool same =
      exact ? want == got
            : want.size() == got_size && trace_hash(want) == r["data_fnv1a"].get<std::string>();
  if (!same) {
    // Bytes are shown as the trace shows them: a string when printable ASCII, hex otherwise
    // (expected bytes from data_hex need not be UTF-8, and a JSON dump of them would throw).
    auto show_bytes = [](const std::string& b) {
      return is_printable_ascii(b) ? nlohmann::json(b).dump() : "hex " + encode_hex(b);
    };
    out.push_back("data: expected " + show_bytes(want) + ", got " +
                  (exact ? show_bytes(got) : std::to_string(got_size) + " bytes"));
  }
}

void match_fds(const nlohmann::json& want, const nlohmann::json& r, std::vector<std::string>& out) {
  const nlohmann::json got = r.contains("fds") ? r["fds"] : nlohmann::json::array();
  auto describe = [&] {
    std::string s;
    for (const auto& fd : got)
      s += (s.empty() ? "" : ", ") + fd["obj"].get<std::string>() + "@" + fd["fd"].dump();
    return "[" + s + "]";
  };
  if (want.size() != got.size()) {
    out.push_back("fds: expected " + std::to_string(want.size()) + " fd(s), got " +
                  std::to_string(got.size()) + " " + describe());
    return;
  }
  for (std::size_t i = 0; i < want.size(); ++i) {
    const nlohmann::json w = want[i].is_string() ? nlohmann::json{{"obj", want[i]}} : want[i];
    for (const auto& item : w.items()) {
      if (got[i][item.key()] != item.value())
        out.push_back("fds[" + std::to_string(i) + "]." + item.key() + ": expected " +
                      item.value().dump() + ", got " + got[i][item.key()].dump() + " " +
                      describe());
    }
  }
}

void match_names(const char* key, const nlohmann::json& want, const nlohmann::json& r,
                 std::vector<std::string>& out) {
  auto sorted = [](const nlohmann::json& v) {
    std::vector<std::string> s =
        v.is_null() ? std::vector<std::string>{} : v.get<std::vector<std::string>>();
    std::sort(s.begin(), s.end());
    return s;
  };
  const nlohmann::json got = r.contains(key) ? r[key] : nlohmann::json::array();
  if (sorted(want) != sorted(got))
    out.push_back(std::string(key) + ": expected " + want.dump() + ", got " + got.dump());
}

}  // namespace

// An address as the trace reports it (getsockname's `name`, recvmsg's `from`).
constexpr const char* kAddressSchema =
    R"({"type": "object", "additionalProperties": false, "properties": {"path": {"type": "string"}, "abstract": {"type": "string"}, "unnamed": {"const": true}, "autobind": {"const": true}}})";

const std::vector<ExpectKey>& expectation_keys() {
  static const std::vector<ExpectKey> keys = {
      {"ret", R"({"type": "integer"})", "the return value"},
      {"errno", R"({"type": ["string", "null"]})", "an errno name, or null for success"},
      {"data", R"({"type": "string"})", "the bytes read"},
      {"data_hex", R"({"type": "string", "pattern": "^([0-9a-fA-F]{2})*$"})",
       "the bytes read, in hex"},
      {"data_size", R"({"type": "integer", "minimum": 0})", "how many bytes were read"},
      {"fds",
       R"({"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": false, "properties": {"obj": {"type": "string"}, "fd": {"type": "integer"}, "cloexec": {"type": "boolean"}}}]}})",
       "received or created fds: labels, or {obj, fd, cloexec}"},
      {"msg_flags", R"({"type": "array", "items": {"type": "string"}})", "recvmsg's msg_flags"},
      {"flags", R"({"type": "array", "items": {"type": "string"}})", "fcntl getters' flags"},
      {"revents", R"({"type": "array", "items": {"type": "string"}})", "poll's revents"},
      {"sigpipe", R"({"type": "boolean"})", "whether SIGPIPE was raised"},
      {"blocked", R"({"type": "boolean"})", "whether the call would block forever"},
      {"value", R"({"type": ["integer", "boolean", "string", "object"]})",
       "getsockopt's value (SO_PEERCRED: {pid, uid, gid})"},
      {"creds",
       R"({"oneOf": [{"type": "null"}, {"type": "object", "additionalProperties": false, "properties": {"pid": {"type": "string"}, "uid": {"type": ["string", "integer"]}, "gid": {"type": ["string", "integer"]}}}]})",
       "a whole SCM_CREDENTIALS received: pid none/scenario/init, uid and gid self/nobody/a number"},
      {"name",
       kAddressSchema,
       "getsockname/getpeername: {path}, {abstract}, {unnamed: true} or {autobind: true}"},
      {"from",
       kAddressSchema,
       "recvmsg with msg_name: the sender's address, in the same form as name"},
      {"msg_controllen", R"({"type": "integer", "minimum": 0})",
       "the msg_controllen recvmsg returned: the control bytes it wrote"},
      {"cmsgs",
       R"({"type": "array", "items": {"type": "object", "additionalProperties": false, "properties": {"level": {"type": "string"}, "type": {"type": "string"}, "cmsg_len": {"type": "integer"}, "fds": {"type": "array", "items": {"type": "integer"}}, "inq": {"type": "integer"}, "pidfd": {"type": "integer"}, "pid": {"type": "string"}, "uid": {"type": ["string", "integer"]}, "gid": {"type": ["string", "integer"]}}}})",
       "every cmsg recvmsg wrote, in order; each entry's keys are checked"},
  };
  return keys;
}

nlohmann::json parse_expectation(const nlohmann::json& e, const JsonFields& step) {
  if (!e.is_object()) step.fail("expect", "expected an object, got " + json_kind(e));
  for (const auto& item : e.items()) {
    const auto& k = item.key();
    const auto& v = item.value();
    const std::string field = "expect." + k;
    if (k == "ret") {
      if (!v.is_number_integer()) step.fail(field, "expected an integer");
    } else if (k == "errno") {
      Errno unused;
      if (!v.is_null() && !(v.is_string() && errno_from_name(v.get<std::string>(), unused)))
        step.fail(field, "expected an errno name such as \"EBADF\", or null for success");
    } else if (k == "data") {
      if (!v.is_string()) step.fail(field, "expected a string");
    } else if (k == "data_hex") {
      std::string bytes;
      if (!v.is_string() || !decode_hex(v.get<std::string>(), bytes))
        step.fail(field, "expected an even number of hex digits");
    } else if (k == "data_size") {
      if (!v.is_number_unsigned()) step.fail(field, "expected a byte count");
    } else if (k == "fds") {
      if (!v.is_array()) step.fail(field, "expected an array");
      for (const auto& entry : v) check_fd_entry(entry, step);
    } else if (k == "msg_flags" || k == "flags") {
      if (!is_name_list(v)) step.fail(field, "expected an array of flag names");
      for (const auto& name : v) {
        std::uint32_t bit;
        long sbit;
        const auto n = name.get<std::string>();
        const bool ok = k == "msg_flags" ? msg_flag_from_name(n, bit)
                                         : (n == "FD_CLOEXEC" || status_flag_from_name(n, sbit));
        if (!ok) step.fail(field, "unknown flag '" + n + "'");
      }
    } else if (k == "revents") {
      if (!is_name_list(v)) step.fail(field, "expected an array of POLL* names");
      for (const auto& name : v) {
        std::uint32_t bit;
        if (!poll_event_from_name(name.get<std::string>(), bit))
          step.fail(field, "unknown poll event '" + name.get<std::string>() + "'");
      }
    } else if (k == "sigpipe" || k == "blocked") {
      if (!v.is_boolean()) step.fail(field, "expected true or false");
    } else if (k == "value") {
      if (!v.is_number_integer() && !v.is_boolean() && !v.is_string() && !v.is_object())
        step.fail(field,
                  "expected an integer, a boolean (SO_PASSCRED), a type name (SO_TYPE) or "
                  "{pid, uid, gid} (SO_PEERCRED)");
    } else if (k == "creds") {
      // null: no SCM_CREDENTIALS received; else any subset of pid, uid, gid.
      if (!v.is_null() && !v.is_object()) step.fail(field, "expected an object or null");
      if (v.is_object())
        for (const auto& c : v.items())
          if ((c.key() != "pid" && c.key() != "uid" && c.key() != "gid") ||
              !(c.value().is_string() || (c.key() != "pid" && c.value().is_number_integer())))
            step.fail(field, "keys are pid, uid, gid: a symbolic string (uid, gid: or a number)");
    } else if (k == "name" || k == "from") {
      static const std::set<std::string> kinds{"path", "abstract", "unnamed", "autobind"};
      if (!v.is_object() || v.size() != 1 || !kinds.count(v.begin().key()))
        step.fail(field, "expected one of {\"path\": …}, {\"abstract\": …}, {\"unnamed\": true}, "
                         "{\"autobind\": true}");
    } else if (k == "msg_controllen") {
      if (!v.is_number_unsigned()) step.fail(field, "expected a byte count");
    } else if (k == "cmsgs") {
      static const std::set<std::string> keys{"level", "type", "cmsg_len", "fds",  "inq",
                                              "pidfd", "pid",  "uid",      "gid"};
      if (!v.is_array()) step.fail(field, "expected an array of cmsg objects");
      for (const auto& c : v) {
        if (!c.is_object()) step.fail(field, "each cmsg is an object");
        for (const auto& item2 : c.items())
          if (!keys.count(item2.key()))
            step.fail(field, "unknown cmsg key '" + item2.key() +
                                 "' (known: level, type, cmsg_len, fds, inq, pidfd, pid, uid, gid)");
      }
    } else {
      std::string known;
      for (const auto& key : expectation_keys())
        known += (known.empty() ? "" : ", ") + std::string(key.name);
      step.fail(field, "unknown expectation (known: " + known + ")");
    }
  }
  if (e.contains("data") && e.contains("data_hex"))
    step.fail("expect.data_hex", "give data or data_hex, not both");
  return e;
}

std::vector<std::string> match_expectation(const nlohmann::json& e, const nlohmann::json& r) {
  std::vector<std::string> out;
  const bool blocked = r.value("blocked", false);
  if (e.value("blocked", false) != blocked) {
    out.push_back(blocked ? "blocked: the step would block forever"
                          : "blocked: expected the step to block, it returned");
    return out;
  }
  if (blocked) return out;
  if (e.contains("errno")) {
    const nlohmann::json got = r.contains("errno") ? r["errno"] : nlohmann::json(nullptr);
    if (got != e["errno"])
      out.push_back("errno: expected " + show(e["errno"]) + ", got " + show(got) +
                    (got.is_null() ? " (ret " + r["ret"].dump() + ")" : ""));
  }
  if (e.contains("ret") && r["ret"] != e["ret"])
    out.push_back("ret: expected " + e["ret"].dump() + ", got " + r["ret"].dump() +
                  (r.contains("errno") ? " (" + r["errno"].get<std::string>() + ")" : ""));
  if (e.contains("data") || e.contains("data_hex") || e.contains("data_size"))
    match_data(e, r, out);
  if (e.contains("fds")) match_fds(e["fds"], r, out);
  if (e.contains("msg_flags")) match_names("msg_flags", e["msg_flags"], r, out);
  if (e.contains("flags")) match_names("flags", e["flags"], r, out);
  if (e.contains("revents")) match_names("revents", e["revents"], r, out);
  // An object (SO_PEERCRED) matches on the keys it gives; anything else exactly.
  auto value_matches = [&] {
    if (!r.contains("value")) return false;
    if (!e["value"].is_object() || !r["value"].is_object()) return r["value"] == e["value"];
    for (const auto& c : e["value"].items())
      if (!r["value"].contains(c.key()) || r["value"][c.key()] != c.value()) return false;
    return true;
  };
  if (e.contains("value") && !value_matches())
    out.push_back("value: expected " + e["value"].dump() + ", got " +
                  (r.contains("value") ? r["value"].dump() : "nothing"));
  if (e.contains("creds")) {
    const nlohmann::json got = r.contains("creds") ? r["creds"] : nlohmann::json(nullptr);
    bool same = e["creds"].is_null() ? got.is_null() : got.is_object();
    if (same && got.is_object())
      for (const auto& c : e["creds"].items()) same = same && got[c.key()] == c.value();
    if (!same) out.push_back("creds: expected " + show(e["creds"]) + ", got " + show(got));
  }
  for (const char* k : {"name", "from"})
    if (e.contains(k) && (!r.contains(k) || r[k] != e[k]))
      out.push_back(std::string(k) + ": expected " + e[k].dump() + ", got " +
                    (r.contains(k) ? r[k].dump() : "nothing"));
  if (e.contains("msg_controllen") &&
      (!r.contains("msg_controllen") || r["msg_controllen"] != e["msg_controllen"]))
    out.push_back("msg_controllen: expected " + e["msg_controllen"].dump() + ", got " +
                  (r.contains("msg_controllen") ? r["msg_controllen"].dump() : "nothing"));
  if (e.contains("cmsgs")) {
    const nlohmann::json got = r.contains("cmsgs") ? r["cmsgs"] : nlohmann::json::array();
    bool same = got.size() == e["cmsgs"].size();
    for (std::size_t i = 0; same && i < got.size(); ++i)
      for (const auto& c : e["cmsgs"][i].items())
        same = same && got[i].contains(c.key()) && got[i][c.key()] == c.value();
    if (!same) out.push_back("cmsgs: expected " + e["cmsgs"].dump() + ", got " + got.dump());
  }
  if (e.contains("sigpipe") && e["sigpipe"].get<bool>() != r.value("sigpipe", false))
    out.push_back(std::string("sigpipe: expected ") + (e["sigpipe"].get<bool>() ? "" : "no ") +
                  "SIGPIPE, got " + (r.value("sigpipe", false) ? "one" : "none"));
  return out;
}

}  // namespace fdlab
