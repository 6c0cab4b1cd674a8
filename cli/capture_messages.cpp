// sendmsg, recvmsg, read and write as steps: the bytes, the control buffer the program wrote
// (stated byte for byte, or a note saying it could not be), and what a receive gave back.
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "cli/capture_converter.h"
#include "core/bytes.h"
#include "core/control_message.h"
#include "core/step_args.h"

namespace fdlab::capture {
namespace {

bool plain_text(const std::string& bytes) {
  for (unsigned char c : bytes)
    if ((c < 0x20 || c > 0x7e) && c != '\n' && c != '\t') return false;
  return true;
}

template <typename T>
T read_at(const std::string& bytes, std::size_t at) {
  T v{};
  if (at + sizeof v <= bytes.size()) std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

// The capturing program's own layout: fdlab capture runs x86-64 programs (core/control_space.h).
constexpr std::size_t kCmsgHeader = cmsg::lp64.header_size;
constexpr std::size_t cmsg_align(std::size_t n) { return cmsg::lp64.align(n); }

json cmsg_type_json(int level, int type) {
  if (level != SOL_SOCKET) return type;
  switch (type) {
    case cmsg::scm_rights:
      return "SCM_RIGHTS";
    case cmsg::scm_credentials:
      return "SCM_CREDENTIALS";
    case cmsg::scm_pidfd:
      return "SCM_PIDFD";
  }
  return type;
}

}  // namespace

json Converter::data_field(const std::string& bytes, const char* plain, const char* hex) {
  if (plain_text(bytes)) return {{plain, bytes}};
  return {{hex, encode_hex(bytes)}};
}

json Converter::rights_ref(Proc& p, int fd, const json& rights) {
  json key;
  for (const auto& x : rights)
    if (x["fd"].get<int>() == fd) {
      key = x["key"];
      break;
    }
  const auto it = p.fds.find(fd);
  if (key.is_null()) {
    // Not open in the program (EBADF to come): not open in the scenario either.
    if (it != p.fds.end()) free_number(p, fd);
    return fd;
  }
  if (it != p.fds.end() && it->second.tracked) {
    const std::string obj = object_of_key(key);
    if (obj != it->second.object)
      note(true,
           "fd " + std::to_string(fd) + " of " + p.name +
               " is not the object the scenario "
               "has there (" +
               it->second.object + ")",
           static_cast<int>(steps_.size()));
    return it->second.label;
  }
  placeholder_at(p, fd, key.get<std::string>());
  note(false,
       p.name + " passes its fd " + std::to_string(fd) +
           ", which is not an AF_UNIX socket or pipe the capture follows (a file, another "
           "kind of socket): the scenario passes its /dev/null placeholder instead, and "
           "what is done with it is not captured",
       static_cast<int>(steps_.size()));
  return p.fds.at(fd).label;
}

// msg_control as the program wrote it, stated as the scenario's cmsgs; the image the scenario
// will send is compared with the program's bytes, so that a difference is said, not hidden.
bool Converter::send_control(Proc& p, const json& r, json& step) {
  const long len = r["controllen"].get<long>();
  if (r["control_null"].get<bool>()) {
    if (len > 0) {
      step["null_control"] = true;
      step["msg_controllen"] = len;
    }
    return true;
  }
  if (len == 0) return true;  // a buffer of no bytes is no buffer
  if (!r.contains("control")) {
    note(true, "a control buffer of more than 64 KiB is not recorded",
         static_cast<int>(steps_.size()));
    return false;
  }
  std::string bytes;
  decode_hex(r["control"].get<std::string>(), bytes);
  SendControl control;
  control.given = true;
  json cmsgs = json::array();
  int rights = 0;
  bool plain = true;
  std::size_t o = 0;
  const long pid = r["pid"].get<long>(), uid = r["uid"].get<long>(), gid = r["gid"].get<long>();
  while (o + kCmsgHeader <= bytes.size()) {
    const auto clen = read_at<std::uint64_t>(bytes, o);
    const int level = read_at<std::int32_t>(bytes, o + 8);
    const int type = read_at<std::int32_t>(bytes, o + 12);
    const std::size_t avail = bytes.size() - o;
    const std::size_t payload_len =
        clen >= kCmsgHeader
            ? static_cast<std::size_t>(std::min<std::uint64_t>(clen, avail)) - kCmsgHeader
            : 0;
    const std::string payload = bytes.substr(o + kCmsgHeader, payload_len);
    const bool standard = clen == kCmsgHeader + payload_len;
    SendCmsg c;
    json jc;
    if (level == SOL_SOCKET && type == cmsg::scm_rights && standard && payload_len % 4 == 0) {
      c.kind = SendCmsg::Kind::rights;
      jc["rights"] = json::array();
      for (std::size_t i = 0; i < payload_len / 4; ++i) {
        const int fd = read_at<std::int32_t>(payload, i * 4);
        c.fds.push_back(fd);
        jc["rights"].push_back(rights_ref(p, fd, r["rights"]));
      }
      ++rights;
    } else if (level == SOL_SOCKET && type == cmsg::scm_credentials && standard &&
               payload_len == 12) {
      c.kind = SendCmsg::Kind::creds;
      const long cpid = read_at<std::int32_t>(payload, 0);
      const long cuid = read_at<std::uint32_t>(payload, 4),
                 cgid = read_at<std::uint32_t>(payload, 8);
      json jp = "own", ju = "own", jg = "own";
      if (cpid == 1) {
        c.pid.kind = CredArg::Kind::init;
        jp = "init";
      } else if (cpid != pid) {
        c.pid.kind = CredArg::Kind::number;
        c.pid.number = cpid;
        jp = cpid;
        if (cpid > 0 && cpid <= cmsg::pid_max_limit)
          note(true,
               "SCM_CREDENTIALS names pid " + std::to_string(cpid) +
                   ", another process's: a scenario may only name impossible pids",
               static_cast<int>(steps_.size()));
      }
      if (cuid != uid) c.uid = {CredArg::Kind::number, cuid}, ju = cuid;
      if (cgid != gid) c.gid = {CredArg::Kind::number, cgid}, jg = cgid;
      jc["creds"] = {{"pid", jp}, {"uid", ju}, {"gid", jg}};
    } else {
      c.kind = SendCmsg::Kind::raw;
      c.level = level;
      c.type = type;
      c.payload = payload;
      jc["level"] = level == SOL_SOCKET ? json("SOL_SOCKET") : json(level);
      jc["type"] = cmsg_type_json(level, type);
      jc["data_hex"] = encode_hex(payload);
      plain = false;
    }
    if (!standard) {
      c.cmsg_len = clen;
      jc["cmsg_len"] = clen;
      plain = false;
    }
    control.cmsgs.push_back(c);
    cmsgs.push_back(jc);
    o += kCmsgHeader + cmsg_align(payload_len);
  }
  if (control_length(control) != bytes.size()) {
    control.controllen = bytes.size();
    step["msg_controllen"] = bytes.size();
    plain = false;
  }
  const std::string image = control_image(control, CredNumbers{pid, uid, gid});
  if (image != bytes)
    note(true,
         "the control buffer (" + encode_hex(bytes) +
             ") cannot be stated byte for byte as cmsgs; the step sends " + encode_hex(image),
         static_cast<int>(steps_.size()));
  if (plain && rights == 1 && cmsgs.size() == 1)
    step["fds"] = cmsgs[0]["rights"];
  else
    step["control"] = cmsgs;
  return true;
}

void Converter::on_send(const json& r, bool write) {
  Proc& p = proc_of(r["pid"].get<long>());
  std::string data;
  decode_hex(r["data"].get<std::string>(), data);
  if (data.size() > kMaxStepBytes) {
    note(true, "a call of more than 16 MiB is more than a step may send; left out",
         static_cast<int>(steps_.size()));
    return;
  }
  json step{{"op", write ? "write" : "sendmsg"},
            {write ? "fd" : "sock", fd_ref(p, r["fd"].get<int>())}};
  if (write || !data.empty()) step.update(data_field(data, "data", "data_hex"));
  std::string comment;
  if (!write) {
    const auto flags = msg_flags(r["flags"].get<long>(), "the send's flags");
    if (!flags.empty()) step["flags"] = flags;
    send_control(p, r, step);
    if (r.contains("dest")) {
      if (auto name = address_name(r["dest"]))
        step["dest"] = *name;
      else
        note(true, "the send's msg_name cannot be stated; the step has none",
             static_cast<int>(steps_.size()));
    }
  }
  json expect = result(r);
  if (r.value("sigpipe", false)) expect["sigpipe"] = true;
  step["expect"] = expect;
  if (r.contains("part"))
    comment = "part " + std::to_string(r["part"].get<int>() + 1) + " of one blocking " +
              r["via"].get<std::string>() +
              " that the kernel took in parts, each a step (fds ride on the first)";
  emit(p, step, comment);
}

json Converter::received_cmsgs(const std::string& control, bool& whole, json& creds) {
  json out = json::array();
  std::size_t o = 0;
  whole = false;
  while (o + kCmsgHeader <= control.size()) {
    const auto clen = static_cast<std::size_t>(read_at<std::uint64_t>(control, o));
    const int level = read_at<std::int32_t>(control, o + 8);
    const int type = read_at<std::int32_t>(control, o + 12);
    if (clen < kCmsgHeader) return nullptr;
    const std::size_t payload = std::min(clen, control.size() - o) - kCmsgHeader;
    json c{{"level", level == SOL_SOCKET ? json("SOL_SOCKET") : json(level)},
           {"type", cmsg_type_json(level, type)},
           {"cmsg_len", clen}};
    if (level != SOL_SOCKET) return nullptr;
    if (type == cmsg::scm_rights) {
      c["fds"] = json::array();
      for (std::size_t i = 0; i + 4 <= payload; i += 4)
        c["fds"].push_back(read_at<std::int32_t>(control, o + kCmsgHeader + i));
    } else if (type == cmsg::scm_credentials) {
      json fields{{"pid", nullptr}, {"uid", nullptr}, {"gid", nullptr}};
      if (payload >= 4) {
        const json pid = cred_pid(read_at<std::int32_t>(control, o + kCmsgHeader));
        if (pid.is_null()) return nullptr;  // a process outside the capture
        c["pid"] = pid;
      }
      if (payload >= 8)
        c["uid"] = cred_id(read_at<std::uint32_t>(control, o + kCmsgHeader + 4), true);
      if (payload >= 12) {
        c["gid"] = cred_id(read_at<std::uint32_t>(control, o + kCmsgHeader + 8), false);
        creds = {{"pid", c["pid"]}, {"uid", c["uid"]}, {"gid", c["gid"]}};
        whole = true;
      }
    } else if (type == cmsg::scm_inq) {
      if (payload >= 4) c["inq"] = read_at<std::int32_t>(control, o + kCmsgHeader);
    } else {
      return nullptr;  // SCM_PIDFD's fd and anything newer: not checked
    }
    out.push_back(c);
    o += cmsg_align(clen);
  }
  return out;
}

void Converter::on_recv(const json& r, bool read) {
  Proc& p = proc_of(r["pid"].get<long>());
  long len = r["len"].get<long>();
  const long ret = r["ret"].get<long>();
  if (len > static_cast<long>(kMaxStepBytes)) {
    note(ret >= static_cast<long>(kMaxStepBytes),
         "a read of " + std::to_string(len) +
             " bytes is written as one of 16 MiB, the most a step may ask",
         static_cast<int>(steps_.size()));
    len = static_cast<long>(kMaxStepBytes);
  }
  json step{{"op", read ? "read" : "recvmsg"},
            {read ? "fd" : "sock", fd_ref(p, r["fd"].get<int>())},
            {"len", len}};
  std::string comment;
  if (!read) {
    auto flags = msg_flags(r["flags"].get<long>(), "the receive's flags");
    if (r.value("more", false)) {
      // The kernel's one MSG_WAITALL call went to sleep here for more bytes; the scenario's
      // steps cannot sleep, so this part is a step that does not wait.
      if (std::find(flags.begin(), flags.end(), "MSG_DONTWAIT") == flags.end())
        flags.push_back("MSG_DONTWAIT");
      comment =
          "part of one blocking MSG_WAITALL receive that waited for more bytes: this part "
          "does not wait (MSG_DONTWAIT)";
      note(false,
           "a blocking MSG_WAITALL receive that had to wait is written as one step per part, "
           "with MSG_DONTWAIT",
           static_cast<int>(steps_.size()));
    } else if (r.contains("part")) {
      comment = "the last part of one blocking MSG_WAITALL receive";
    }
    if (!flags.empty()) step["flags"] = flags;
    const long controllen = r["controllen_in"].get<long>();
    if (controllen > 65536)
      note(r.value("controllen_out", 0L) > 65536,
           "a control buffer over 64 KiB is written as 64 KiB", static_cast<int>(steps_.size()));
    if (!r["control_null"].get<bool>()) {
      step["control_len"] = std::min(controllen, 65536L);
    } else if (controllen > 0) {
      step["null_control"] = true;
      step["control_len"] = std::min(controllen, 65536L);
    }
    if (r["name"].get<bool>()) step["msg_name"] = true;
  }
  json expect = result(r);
  if (ret >= 0) {
    std::string data;
    decode_hex(r["data"].get<std::string>(), data);
    expect.update(data_field(data, "data", "data_hex"));
  }
  if (ret >= 0 && !read) {
    expect["msg_flags"] = msg_flags(r["msg_flags"].get<long>(), "msg_flags");
    expect["msg_controllen"] = r["controllen_out"];
    std::vector<int> nums;
    bool pidfd = false;
    for (const auto& f : r["rfds"]) {
      nums.push_back(f["fd"].get<int>());
      pidfd |= f["type"].get<int>() == cmsg::scm_pidfd;
    }
    json fds = json::array(), labels = json::array();
    if (!nums.empty()) arrange(p, nums);
    for (const auto& f : r["rfds"]) {
      const int n = f["fd"].get<int>();
      std::string obj = object_of_key(f["key"]);
      if (obj.empty()) {
        obj = new_object(f["type"].get<int>() == cmsg::scm_pidfd ? "pidfd" : "unknown");
        if (f["type"].get<int>() != cmsg::scm_pidfd)
          note(true,
               p.name + " received fd " + std::to_string(n) +
                   " on an object the capture did not see made or passed",
               static_cast<int>(steps_.size()));
        if (f["key"].is_string()) key_objects_[f["key"].get<std::string>()] = obj;
      }
      const std::string label = fd_label(obj);
      labels.push_back(label);
      fds.push_back({{"obj", obj}, {"fd", n}, {"cloexec", f["cloexec"].get<bool>()}});
      p.fds[n] = FdEntry{FdEntry::Kind::object, label, obj, f["tracked"].get<bool>(),
                         f["cloexec"].get<bool>()};
    }
    if (!labels.empty()) step["as"] = labels;
    if (pidfd)
      note(false, "SCM_PIDFD's fd is not checked by object", static_cast<int>(steps_.size()));
    else
      expect["fds"] = fds;
    if (r.contains("control_out")) {
      std::string control;
      decode_hex(r["control_out"].get<std::string>(), control);
      bool whole = false;
      json creds;
      const json cmsgs = received_cmsgs(control, whole, creds);
      if (cmsgs.is_null()) {
        note(false,
             "a control message the capture cannot state symbolically; the cmsgs are not "
             "checked",
             static_cast<int>(steps_.size()));
      } else {
        expect["cmsgs"] = cmsgs;
        if (whole) expect["creds"] = creds;
      }
    }
    if (r["name"].get<bool>() && r.contains("from")) expect["from"] = reported_address(r["from"]);
  }
  step["expect"] = expect;
  emit(p, step, comment);
}

}  // namespace fdlab::capture
