#pragma once
// The arguments a kernel-level step can take, each declared once with the JSON fields it reads,
// their types, ranges, choices and documentation. The parser reads a step through these
// declarations, and the JSON Schema and docs/scenario-format.md are generated from them, so
// the three cannot drift apart.
#include <cstdint>
#include <string>
#include <vector>

namespace fdlab {

enum class Arg : std::uint8_t {
  sock,           // an fd argument named sock
  fd,             // an fd argument named fd
  fd_label,       // fd, a label only (give)
  fds,            // SCM_RIGHTS: labels or numbers
  sock_type,      // type
  nonblock,       // SOCK_NONBLOCK
  cloexec,        // SOCK_CLOEXEC
  one_label,      // as: one label
  two_labels,     // as: two labels
  labels,         // as: any number of labels (received or duplicated fds)
  data,           // bytes, required
  optional_data,  // bytes, may be absent (sendmsg with fds only)
  msg_flags,      // flags: MSG_* names
  len,            // bytes to read
  control,        // recvmsg's control buffer: fd_space, control_len, creds_space, null_control
  send_control,   // sendmsg's msg_control as data: control (cmsgs), msg_controllen, null_control
  dest,           // sendmsg's msg_name (sendto): a path or "@abstract"
  msg_name,       // recvmsg: a msg_name buffer, so the trace reports the sender's address
  offset,
  whence,
  fcntl_cmd,  // cmd and arg
  shut_how,
  to,       // a process name
  address,  // path (or abstract name)
  file_path,
  backlog,
  sockopt,
  sockopt_value,
  nofile,  // resource and soft
  ids,     // set_ids: uid and gid
  open_kind,    // kind, and path for o_path
  poll_events,  // events: POLL* names
};

enum class FieldType : std::uint8_t {
  integer,
  boolean,
  choice,       // one string of `choices`
  choice_list,  // an array of strings from `choices`
  fd,           // a label or an fd number
  fd_list,      // an array of labels or fd numbers
  label_list,   // a label or an array of labels
  label,        // a label only
  label_array,  // an array of labels (never numbers)
  nullable_integer,
  integer_or_boolean,
  text,     // a string (data, a path)
  hex,      // an even number of hex digits
  process,  // a process name
  cmsg_list,        // an array of cmsgs, each an object of cmsg_fields()
  name_or_integer,  // one string of `choices`, or an integer in [min, max]
  cred_object,      // {pid, uid, gid}, each of cred_fields()
};

struct Field {
  const char* name;
  FieldType type;
  bool required = false;
  std::int64_t min = 0;  // integer; fd_list and label_list: fewest items
  std::int64_t max = 0;  // integer; fd_list and label_list: most items
  std::vector<std::string> choices;
  const char* fallback = nullptr;  // choice: the value when absent
  const char* doc = "";
};

struct ArgSpec {
  Arg arg;
  std::vector<Field> fields;
};

const ArgSpec& arg_spec(Arg arg);
// The fields of one cmsg in sendmsg's `control`, and of its `creds`.
const std::vector<Field>& cmsg_fields();
const std::vector<Field>& cred_fields();
const Field& cmsg_field(const char* name);
const Field& cred_field(const char* name);
// The field of `arg` named `name`; throws std::logic_error when there is none (a table bug).
const Field& arg_field(Arg arg, const char* name);

// Limits shared by the parser, the schema and the docs.
constexpr std::int64_t kMaxFdNumber = 1 << 20;
constexpr std::size_t kMaxFdsPerSend = 1024;  // well past SCM_MAX_FD, so EINVAL stays testable
// Longest socket path a step may give: long enough to test the 108-byte limit of sun_path,
// short enough to stay a sane scenario.
constexpr std::size_t kMaxPathBytes = 432;  // 4 * kSunPathLen, checked in core/scenario_named.cpp
// Largest byte count a step may send, write or ask to read.
constexpr std::size_t kMaxStepBytes = 16u << 20;

}  // namespace fdlab
