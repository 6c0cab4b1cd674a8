#pragma once
// Typed access to the fields of one JSON object, with errors that name the file, the step and
// the field, and a check that no unknown field slipped in (a typo must not be silently ignored).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/harness_error.h"
#include "core/step_args.h"

namespace fdlab {

class JsonFields {
 public:
  // `path` names the object inside its step in messages ("control[1]"): a field x of it is
  // reported as "control[1].x".
  JsonFields(const nlohmann::json& object, std::string file, int step, std::string path = "");

  bool has(const char* key) const;
  const nlohmann::json& raw(const char* key);  // marks the key as known; must exist

  std::string req_string(const char* key);
  std::string opt_string(const char* key, std::string fallback = "");
  bool opt_bool(const char* key, bool fallback = false);
  std::int64_t req_int(const char* key, std::int64_t min, std::int64_t max);
  std::vector<std::string> opt_strings(const char* key);  // a string or an array of strings
  std::vector<std::string> req_strings(const char* key);

  // Reads a declared field (core/step_args.h) with its range or choices. choice() returns the
  // index of the value among field.choices, the order of the enum the field stands for.
  std::int64_t integer(const Field& field);
  std::size_t choice(const Field& field);

  // Marks keys as known without reading them (read by someone else).
  void allow(std::initializer_list<const char*> keys);
  // Throws when the object has a key nobody read or allowed.
  void reject_unknown() const;

  [[noreturn]] void fail(const std::string& field, const std::string& what) const;

 private:
  const nlohmann::json& object_;
  std::string file_;
  int step_;
  std::string path_;
  std::set<std::string> known_;
};

// "a string", "an integer", ... for messages.
std::string json_kind(const nlohmann::json& value);

}  // namespace fdlab
