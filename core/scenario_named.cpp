#include "core/scenario_named.h"

#include "core/step_args.h"

namespace fdlab {

static_assert(kMaxPathBytes == 4 * kSunPathLen, "a path may be four sun_paths long");

// DESIGN.md: "paths escaping the sandbox" are scenario errors: a path is a plain file name,
// never absolute, never "." or "..", no "/". An abstract name never touches the file system.
SockAddr parse_sock_addr(JsonFields& f, bool may_be_abstract, const char* field) {
  SockAddr a;
  const std::string key = field;
  a.name = f.req_string(field);
  // Only `path` has an `abstract` flag beside it; other address fields say "@name".
  if (key == "path") {
    a.abstract = may_be_abstract && f.opt_bool("abstract");
    if (!may_be_abstract && f.has("abstract"))
      f.fail("abstract", "this op takes a file path, never an abstract name");
  }
  if (may_be_abstract && !a.abstract && !a.name.empty() && a.name[0] == '@') {
    a.abstract = true;
    a.name.erase(0, 1);
  }
  if (a.name.empty()) f.fail(key, "must not be empty");
  // Long enough to test the 108-byte limit, short enough to stay a sane scenario.
  if (a.name.size() > kMaxPathBytes)
    f.fail(key, "longer than " + std::to_string(kMaxPathBytes) + " bytes");
  if (a.name.find('\0') != std::string::npos) f.fail(key, "must not contain NUL");
  if (!a.abstract) {
    if (a.name[0] == '/') f.fail(key, "must be relative to the scenario's directory");
    if (a.name.find('/') != std::string::npos)
      f.fail(key, "must be a plain name: no '/' (it would leave the scenario's directory)");
    if (a.name == "." || a.name == "..") f.fail(key, "'" + a.name + "' is a directory");
  }
  return a;
}

long parse_sock_opt_value(JsonFields& f) {
  const Field& field = arg_field(Arg::sockopt_value, "value");
  const auto& v = f.raw(field.name);
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (!v.is_number_integer())
    f.fail(field.name, "expected an integer or a boolean, got " + json_kind(v));
  return static_cast<long>(f.req_int(field.name, field.min, field.max));
}

}  // namespace fdlab
