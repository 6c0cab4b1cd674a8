#include "core/usocket/usocket_ops.h"

#include <stdexcept>

namespace fdlab::usocket {
namespace {

Field object(const char* name) {
  return {name, FieldType::label, true, 0, 0, {}, nullptr, "the object's label"};
}
Field callback() {
  return {"callback", FieldType::boolean, false, 0, 0, {}, nullptr, "register a callback"};
}
Field path(bool required) {
  const Field& kernel = arg_field(Arg::file_path, "path");
  Field f = kernel;
  f.required = required;
  return f;
}
Field fd_label(bool required) {
  return {"fd", FieldType::label, required, 0, 0, {}, nullptr, "an fd label (never a number)"};
}
Field fd_labels() {
  return {"fds",
          FieldType::label_array,
          false,
          0,
          static_cast<std::int64_t>(kMaxFdsPerSend),
          {},
          nullptr,
          "fd labels"};
}
Field labels(const char* doc) {
  return {"as", FieldType::label_list, false, 0, 0, {}, nullptr, doc};
}
Field new_label() { return {"as", FieldType::label, true, 0, 0, {}, nullptr, "the new object"}; }
Field form(std::vector<std::string> choices) {
  return {"form", FieldType::choice,  false,   0,
          0,      std::move(choices), nullptr, "how the JavaScript call is written"};
}

// The kernel level's fields of `arg`, as they are.
std::vector<Field> kernel(Arg arg) { return arg_spec(arg).fields; }

std::vector<Field> join(std::vector<std::vector<Field>> parts) {
  std::vector<Field> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<UOpSpec> make_ops() {
  const auto bytes = static_cast<std::int64_t>(kMaxStepBytes);
  const std::vector<Field> chunk =
      join({kernel(Arg::optional_data),
            {fd_labels(), callback(), form({"buffer", "string", "fds", "object"})}});
  std::vector<Field> labels2 = kernel(Arg::two_labels);
  labels2[0].required = true;
  std::vector<Field> label1 = kernel(Arg::one_label);
  label1[0].required = true;
  return {
      {UOp::userver, "userver", {new_label()}, "null"},
      {UOp::listen,
       "listen",
       {object("server"),
        path(true),
        {"backlog", FieldType::integer, false, 0, 4096, {}, nullptr, ""},
        form({"args", "options"}),
        callback()},
       "null or `{\"error\"}`"},
      {UOp::pause, "pause", {object("server")}, "null"},
      {UOp::resume, "resume", {object("server")}, "null"},
      {UOp::server_close, "server_close", {object("server")}, "null"},
      {UOp::usocket,
       "usocket",
       {new_label(), path(false), fd_label(false), form({"string", "options"}), callback()},
       "null or `{\"error\"}`"},
      {UOp::connect,
       "connect",
       {object("socket"), path(false), fd_label(false), form({"string", "options"}), callback()},
       "null or `{\"error\"}`"},
      {UOp::write, "write", join({{object("socket")}, chunk}),
       "`true`, `false` (16 chunks not yet sent) or `{\"error\"}`"},
      {UOp::end, "end", join({{object("socket")}, chunk}), "null or `{\"error\"}`"},
      {UOp::read,
       "read",
       {object("socket"),
        {"size", FieldType::nullable_integer, false, 0, bytes, {}, nullptr, "int or null"},
        {"count",
         FieldType::nullable_integer,
         false,
         0,
         4096,
         {},
         nullptr,
         "int or null (absent: the one-argument read)"},
        labels("labels for the returned fds")},
       "null, `{\"data\"}` or `{\"data\", \"fds\"}`"},
      {UOp::read_until,
       "read_until",
       {object("socket"), {"size", FieldType::integer, true, 1, bytes, {}, nullptr, ""}},
       "`{\"data\"}`"},
      {UOp::unshift, "unshift",
       join({{object("socket")}, kernel(Arg::optional_data), {fd_labels()}}), "null"},
      {UOp::destroy, "destroy", {object("socket")}, "null"},
      {UOp::run,
       "run",
       {labels("labels for the sockets that 'connection' events create")},
       "null; the events"},
      {UOp::open_fds,
       "open_fds",
       {},
       "`{\"open\": [{\"object\", \"cloexec\"}, ...]}`: the fds opened since the scenario began, "
       "by label"},
      {UOp::sys_socketpair, "sys.socketpair", labels2, "null"},
      {UOp::sys_pipe, "sys.pipe", labels2, "null"},
      {UOp::sys_open_temp, "sys.open_temp", label1, "null"},
      {UOp::sys_write, "sys.write", join({{fd_label(true)}, kernel(Arg::data)}),
       "`{\"ret\"}` or `{\"error\"}`"},
      {UOp::sys_read, "sys.read", join({{fd_label(true)}, kernel(Arg::len)}),
       "`{\"ret\", \"data\"}` or `{\"error\"}`"},
      {UOp::sys_lseek, "sys.lseek",
       join({{fd_label(true)}, kernel(Arg::offset), kernel(Arg::whence)}),
       "`{\"ret\"}` or `{\"error\"}`"},
      {UOp::sys_close, "sys.close", {fd_label(true)}, "`{\"ret\"}` or `{\"error\"}`"},
      {UOp::sys_give, "sys.give", join({{fd_label(true)}, kernel(Arg::to)}), "null"},
  };
}

}  // namespace

const std::vector<UOpSpec>& usocket_ops() {
  static const std::vector<UOpSpec> ops = make_ops();
  return ops;
}

const UOpSpec* find_uop(std::string_view name) {
  for (const auto& spec : usocket_ops())
    if (name == spec.name) return &spec;
  return nullptr;
}

const UOpSpec& uop_spec(UOp op) {
  for (const auto& spec : usocket_ops())
    if (spec.op == op) return spec;
  throw std::logic_error("uop_spec: a UOp without a declaration");
}

}  // namespace fdlab::usocket
