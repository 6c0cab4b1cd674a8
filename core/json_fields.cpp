#include "core/json_fields.h"

#include <cmath>
#include <utility>

namespace fdlab {
namespace {

bool is_whole(double d) { return std::isfinite(d) && std::trunc(d) == d; }

// "a, b or c"
std::string one_of(const std::vector<std::string>& choices) {
  std::string s;
  for (std::size_t i = 0; i < choices.size(); ++i)
    s += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return s;
}

}  // namespace

std::string json_kind(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "an integer";
    case nlohmann::json::value_t::number_float:
      // The parser keeps an integer too large for 64 bits as a double: not a fraction.
      return is_whole(value.get<double>()) ? "a number out of range" : "a number with a fraction";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

JsonFields::JsonFields(const nlohmann::json& object, std::string file, int step, std::string path)
    : object_(object), file_(std::move(file)), step_(step), path_(std::move(path)) {
  if (!object_.is_object()) fail("", "expected an object, got " + json_kind(object_));
}

void JsonFields::fail(const std::string& field, const std::string& what) const {
  if (path_.empty()) throw HarnessError(file_, step_, field, what);
  throw HarnessError(file_, step_, field.empty() ? path_ : path_ + "." + field, what);
}

bool JsonFields::has(const char* key) const { return object_.contains(key); }

const nlohmann::json& JsonFields::raw(const char* key) {
  known_.insert(key);
  auto it = object_.find(key);
  if (it == object_.end()) fail(key, "is required");
  return *it;
}

std::string JsonFields::req_string(const char* key) {
  const auto& v = raw(key);
  if (!v.is_string()) fail(key, "expected a string, got " + json_kind(v));
  return v.get<std::string>();
}

std::string JsonFields::opt_string(const char* key, std::string fallback) {
  known_.insert(key);
  return has(key) ? req_string(key) : std::move(fallback);
}

bool JsonFields::opt_bool(const char* key, bool fallback) {
  known_.insert(key);
  if (!has(key)) return fallback;
  const auto& v = raw(key);
  if (!v.is_boolean()) fail(key, "expected true or false, got " + json_kind(v));
  return v.get<bool>();
}

std::int64_t JsonFields::req_int(const char* key, std::int64_t min, std::int64_t max) {
  const auto& v = raw(key);
  if (v.is_number_unsigned()) {
    if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
      fail(key, "must be at most " + std::to_string(max) + ", got " + v.dump());
    return static_cast<std::int64_t>(v.get<std::uint64_t>());
  }
  if (v.is_number_float() && is_whole(v.get<double>())) {
    const double d = v.get<double>();
    if (d < static_cast<double>(min) || d > static_cast<double>(max))
      fail(key, "out of range: must be between " + std::to_string(min) + " and " +
                    std::to_string(max) + ", got " + v.dump());
    fail(key, "expected an integer written without a fraction or an exponent, got " + v.dump());
  }
  if (!v.is_number_integer()) fail(key, "expected an integer, got " + json_kind(v));
  const auto n = v.get<std::int64_t>();
  if (n < min) fail(key, "must be at least " + std::to_string(min) + ", got " + v.dump());
  if (n > max) fail(key, "must be at most " + std::to_string(max) + ", got " + v.dump());
  return n;
}

std::vector<std::string> JsonFields::opt_strings(const char* key) {
  known_.insert(key);
  if (!has(key)) return {};
  return req_strings(key);
}

std::vector<std::string> JsonFields::req_strings(const char* key) {
  const auto& v = raw(key);
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) fail(key, "expected a string or an array of strings, got " + json_kind(v));
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.is_string())
      fail(key, "expected an array of strings, found " + json_kind(item) + " in it");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::int64_t JsonFields::integer(const Field& field) {
  return req_int(field.name, field.min, field.max);
}

std::size_t JsonFields::choice(const Field& field) {
  const std::string v =
      field.required ? req_string(field.name)
                     : opt_string(field.name, field.fallback ? field.fallback : "");
  for (std::size_t i = 0; i < field.choices.size(); ++i)
    if (v == field.choices[i]) return i;
  fail(field.name, "expected " + one_of(field.choices) + ", got '" + v + "'");
}

void JsonFields::allow(std::initializer_list<const char*> keys) {
  for (const char* k : keys) known_.insert(k);
}

void JsonFields::reject_unknown() const {
  for (const auto& item : object_.items()) {
    if (!known_.count(item.key())) fail(item.key(), "unknown field");
  }
}

}  // namespace fdlab
