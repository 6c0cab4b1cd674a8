#include "core/step_args.h"

#include <stdexcept>

#include "core/flag_names.h"

namespace fdlab {
namespace {

// Flags a caller may pass in: every one, MSG_CTRUNC included (Linux ignores it on input).
std::vector<std::string> input_msg_flags() { return all_msg_flag_names(); }

std::vector<std::string> fcntl_arg_names() {
  std::vector<std::string> out{"FD_CLOEXEC"};
  for (auto& n : all_status_flag_names()) out.push_back(n);
  return out;
}

std::vector<Field> data_fields() {
  const auto bytes = static_cast<std::int64_t>(kMaxStepBytes);
  return {
      {"data", FieldType::text, false, 0, 0, {}, nullptr, "UTF-8 bytes as written"},
      {"data_hex", FieldType::hex, false, 0, 0, {}, nullptr, "bytes in hex"},
      {"data_size", FieldType::integer, false, 0, bytes, {}, nullptr, "that many pattern bytes"}};
}

constexpr const char* kFdDoc = "a label bound in the step's process, or an fd number used as is";

std::vector<ArgSpec> make_args() {
  const auto bytes = static_cast<std::int64_t>(kMaxStepBytes);
  const auto max_fds = static_cast<std::int64_t>(kMaxFdsPerSend);
  const auto path_bytes = static_cast<std::int64_t>(kMaxPathBytes);
  return {
      {Arg::sock, {{"sock", FieldType::fd, true, -1, kMaxFdNumber, {}, nullptr, kFdDoc}}},
      {Arg::fd, {{"fd", FieldType::fd, true, -1, kMaxFdNumber, {}, nullptr, kFdDoc}}},
      {Arg::fd_label,
       {{"fd",
         FieldType::label,
         true,
         0,
         0,
         {},
         nullptr,
         "a label, so the fd can be named after"}}},
      {Arg::fds,
       {{"fds", FieldType::fd_list, false, 0, max_fds, {}, nullptr, "fds to pass as SCM_RIGHTS"}}},
      {Arg::sock_type,
       {{"type", FieldType::choice, false, 0, 0, {"stream", "seqpacket", "dgram"}, "stream", ""}}},
      {Arg::nonblock,
       {{"nonblock", FieldType::boolean, false, 0, 0, {}, nullptr, "SOCK_NONBLOCK"}}},
      {Arg::cloexec,
       {{"cloexec", FieldType::boolean, false, 0, 0, {}, nullptr,
         "SOCK_CLOEXEC (pipe: O_CLOEXEC; open_temp, open: O_CLOEXEC, MFD_CLOEXEC)"}}},
      {Arg::one_label, {{"as", FieldType::label_list, false, 1, 1, {}, nullptr, ""}}},
      {Arg::two_labels, {{"as", FieldType::label_list, false, 2, 2, {}, nullptr, ""}}},
      {Arg::labels, {{"as", FieldType::label_list, false, 0, 0, {}, nullptr, ""}}},
      // One of the three; Arg::data requires one (the parser says so), optional_data does not.
      {Arg::data, data_fields()},
      {Arg::optional_data, data_fields()},
      {Arg::msg_flags,
       {{"flags", FieldType::choice_list, false, 0, 0, input_msg_flags(), nullptr, ""}}},
      {Arg::len, {{"len", FieldType::integer, true, 0, bytes, {}, nullptr, "bytes to read"}}},
      {Arg::control,
       {{"fd_space",
         FieldType::integer,
         false,
         0,
         4096,
         {},
         nullptr,
         "msg_controllen = CMSG_SPACE(fd_space * sizeof(int))"},
        {"control_len",
         FieldType::integer,
         false,
         0,
         65536,
         {},
         nullptr,
         "msg_controllen in bytes"},
        {"creds_space",
         FieldType::boolean,
         false,
         0,
         0,
         {},
         nullptr,
         "CMSG_SPACE(sizeof(struct ucred)) more, in front"},
        {"null_control",
         FieldType::boolean,
         false,
         0,
         0,
         {},
         nullptr,
         "msg_control is NULL; control_len, if given, is its msg_controllen"}}},
      {Arg::send_control,
       {{"control",
         FieldType::cmsg_list,
         false,
         0,
         64,
         {},
         nullptr,
         "msg_control as cmsgs, each at the next CMSG_SPACE boundary (instead of fds)"},
        {"msg_controllen",
         FieldType::integer,
         false,
         0,
         65536,
         {},
         nullptr,
         "msg_controllen in bytes (default: the cmsgs' total CMSG_SPACE); more is zeros"},
        {"null_control",
         FieldType::boolean,
         false,
         0,
         0,
         {},
         nullptr,
         "msg_control is NULL, with msg_controllen as given"}}},
      {Arg::dest,
       {{"dest",
         FieldType::text,
         false,
         1,
         path_bytes,
         {},
         nullptr,
         "msg_name (sendto): a plain name in the scenario's directory, or \"@name\" (abstract)"}}},
      {Arg::msg_name,
       {{"msg_name",
         FieldType::boolean,
         false,
         0,
         0,
         {},
         nullptr,
         "give a msg_name buffer: the trace reports the sender's address as `from`"}}},
      {Arg::offset,
       {{"offset", FieldType::integer, true, -(1LL << 40), 1LL << 40, {}, nullptr, ""}}},
      {Arg::whence,
       {{"whence",
         FieldType::choice,
         false,
         0,
         0,
         {"SEEK_SET", "SEEK_CUR", "SEEK_END"},
         "SEEK_SET",
         ""}}},
      {Arg::fcntl_cmd,
       {{"cmd",
         FieldType::choice,
         true,
         0,
         0,
         {"F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL"},
         nullptr,
         ""},
        {"arg", FieldType::choice_list, false, 0, 0, fcntl_arg_names(), nullptr,
         "the setters' flags"}}},
      {Arg::shut_how,
       {{"how", FieldType::choice, true, 0, 0, {"SHUT_RD", "SHUT_WR", "SHUT_RDWR"}, nullptr, ""}}},
      {Arg::to, {{"to", FieldType::process, true, 0, 0, {}, nullptr, "another process"}}},
      {Arg::address,
       {{"path",
         FieldType::text,
         true,
         1,
         path_bytes,
         {},
         nullptr,
         "a plain name in the scenario's directory, or \"@name\" (abstract)"},
        {"abstract", FieldType::boolean, false, 0, 0, {}, nullptr, "the abstract namespace"}}},
      {Arg::file_path,
       {{"path",
         FieldType::text,
         true,
         1,
         path_bytes,
         {},
         nullptr,
         "a plain name, never abstract"}}},
      {Arg::backlog, {{"backlog", FieldType::integer, true, -1, 65535, {}, nullptr, ""}}},
      {Arg::sockopt,
       {{"opt",
         FieldType::choice,
         true,
         0,
         0,
         {"SO_SNDBUF", "SO_RCVBUF", "SO_PASSCRED", "SO_TYPE", "SO_PASSRIGHTS", "SO_INQ",
          "SO_PEERCRED", "SO_PEEK_OFF", "SO_PASSPIDFD", "SO_PEERPIDFD", "SO_OOBINLINE"},
         nullptr,
         ""}}},
      {Arg::sockopt_value,
       {{"value",
         FieldType::integer_or_boolean,
         true,
         -(1LL << 31),
         (1LL << 31) - 1,
         {},
         nullptr,
         ""}}},
      {Arg::ids,
       {{"uid", FieldType::integer, true, 0, 4294967294LL, {}, nullptr,
         "the real and effective uid (the saved uid stays 0)"},
        {"gid", FieldType::integer, true, 0, 4294967294LL, {}, nullptr,
         "the real and effective gid (the saved gid stays 0)"}}},
      {Arg::nofile,
       {{"resource", FieldType::choice, true, 0, 0, {"RLIMIT_NOFILE"}, nullptr, ""},
        {"soft", FieldType::integer, true, 0, 1024, {}, nullptr, "the soft limit"}}},
      {Arg::open_kind,
       {{"kind",
         FieldType::choice,
         true,
         0,
         0,
         {"directory", "o_path", "dev_null", "memfd"},
         nullptr,
         "the scenario's directory (O_RDONLY|O_DIRECTORY), O_PATH, /dev/null (O_RDWR), "
         "memfd_create"},
        {"path",
         FieldType::text,
         false,
         1,
         path_bytes,
         {},
         nullptr,
         "o_path only: a plain name in the scenario's directory; absent: the directory"}}},
      {Arg::poll_events,
       {{"events", FieldType::choice_list, false, 0, 0, all_poll_request_names(), nullptr,
         "the events asked for; POLLERR and POLLHUP come regardless"}}},
  };
}

std::vector<Field> make_cmsg_fields() {
  const auto max_fds = static_cast<std::int64_t>(kMaxFdsPerSend);
  return {
      {"rights", FieldType::fd_list, false, 0, max_fds, {}, nullptr,
       "SCM_RIGHTS: labels or fd numbers (an empty list is an empty SCM_RIGHTS)"},
      {"creds", FieldType::cred_object, false, 0, 0, {}, nullptr,
       "SCM_CREDENTIALS: {pid, uid, gid}, each \"own\" unless given"},
      {"level", FieldType::name_or_integer, false, 0, (1LL << 31) - 1, {"SOL_SOCKET"}, nullptr,
       "a raw cmsg's cmsg_level"},
      {"type", FieldType::name_or_integer, false, 0, (1LL << 31) - 1,
       {"SCM_RIGHTS", "SCM_CREDENTIALS", "SCM_PIDFD"}, nullptr, "a raw cmsg's cmsg_type"},
      {"data_hex", FieldType::hex, false, 0, 0, {}, nullptr, "a raw cmsg's payload bytes"},
      {"cmsg_len", FieldType::integer, false, 0, 65536, {}, nullptr,
       "cmsg_len as written (default CMSG_LEN of the payload)"},
  };
}

std::vector<Field> make_cred_fields() {
  // A pid a scenario may name: its own, init's, or one that no machine can have.
  return {
      {"pid", FieldType::name_or_integer, false, -(1LL << 31), (1LL << 31) - 1, {"own", "init"},
       "own", "the sender's (own), pid 1 (init), or a number <= 0 or > 4194304 (PID_MAX_LIMIT)"},
      {"uid", FieldType::name_or_integer, false, 0, (1LL << 32) - 1, {"own"}, "own",
       "the sender's uid (own) or a number"},
      {"gid", FieldType::name_or_integer, false, 0, (1LL << 32) - 1, {"own"}, "own",
       "the sender's gid (own) or a number"},
  };
}

const Field& named(const std::vector<Field>& fields, const char* name) {
  for (const auto& f : fields)
    if (std::string(f.name) == name) return f;
  throw std::logic_error(std::string("no field ") + name);
}

}  // namespace

const std::vector<Field>& cmsg_fields() {
  static const std::vector<Field> fields = make_cmsg_fields();
  return fields;
}
const std::vector<Field>& cred_fields() {
  static const std::vector<Field> fields = make_cred_fields();
  return fields;
}
const Field& cmsg_field(const char* name) { return named(cmsg_fields(), name); }
const Field& cred_field(const char* name) { return named(cred_fields(), name); }

const ArgSpec& arg_spec(Arg arg) {
  static const std::vector<ArgSpec> args = make_args();
  for (const auto& a : args)
    if (a.arg == arg) return a;
  throw std::logic_error("arg_spec: an Arg without a declaration");
}

const Field& arg_field(Arg arg, const char* name) {
  for (const auto& f : arg_spec(arg).fields)
    if (std::string(f.name) == name) return f;
  throw std::logic_error(std::string("arg_field: no field ") + name);
}

}  // namespace fdlab
