#include "core/scenario_schema.h"

#include "core/expectation.h"
#include "core/op_table.h"
#include "core/usocket/usocket_ops.h"

namespace fdlab {
namespace {

using json = nlohmann::json;

json labels_schema(const Field& f) {
  const json label{{"type", "string"}, {"minLength", 1}};
  if (f.min == 0) return {{"oneOf", {label, {{"type", "array"}, {"items", label}}}}};
  json options = json::array();
  if (f.min == 1) options.push_back(label);
  options.push_back(
      {{"type", "array"}, {"items", label}, {"minItems", f.min}, {"maxItems", f.max}});
  // A creation op may leave its labels out (its objects get generated names).
  if (!f.required) options.push_back({{"type", "array"}, {"maxItems", 0}});
  return {{"oneOf", options}};
}

json field_schema(const Field& f);

json object_schema(const std::vector<Field>& fields) {
  json props = json::object();
  for (const auto& f : fields) props[f.name] = field_schema(f);
  return {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
}

json field_schema(const Field& f) {
  switch (f.type) {
    case FieldType::integer:
      return {{"type", "integer"}, {"minimum", f.min}, {"maximum", f.max}};
    case FieldType::nullable_integer:
      return {{"type", {"integer", "null"}}, {"minimum", f.min}, {"maximum", f.max}};
    case FieldType::boolean:
      return {{"type", "boolean"}};
    case FieldType::integer_or_boolean:
      return {
          {"oneOf",
           {{{"type", "boolean"}}, {{"type", "integer"}, {"minimum", f.min}, {"maximum", f.max}}}}};
    case FieldType::choice:
      return {{"enum", f.choices}};
    case FieldType::choice_list:
      return {{"oneOf",
               {{{"enum", f.choices}}, {{"type", "array"}, {"items", {{"enum", f.choices}}}}}}};
    case FieldType::fd:
      return {{"oneOf",
               {{{"type", "string"}, {"minLength", 1}},
                {{"type", "integer"}, {"minimum", f.min}, {"maximum", f.max}}}}};
    case FieldType::fd_list: {
      const Field& entry = arg_field(Arg::fd, "fd");
      return {{"type", "array"}, {"maxItems", f.max}, {"items", field_schema(entry)}};
    }
    case FieldType::label_list:
      return labels_schema(f);
    case FieldType::label:
      return {{"type", "string"}, {"minLength", 1}};
    case FieldType::label_array:
      return {{"type", "array"},
              {"maxItems", f.max},
              {"items", {{"type", "string"}, {"minLength", 1}}}};
    case FieldType::text: {
      json s{{"type", "string"}};
      if (f.min > 0) s["minLength"] = f.min;
      if (f.max > 0) s["maxLength"] = f.max;
      return s;
    }
    case FieldType::hex:
      return {{"type", "string"}, {"pattern", "^([0-9a-fA-F]{2})*$"}};
    case FieldType::process:
      return {{"type", "string"}};
    case FieldType::name_or_integer:
      return {
          {"oneOf",
           {{{"enum", f.choices}}, {{"type", "integer"}, {"minimum", f.min}, {"maximum", f.max}}}}};
    case FieldType::cred_object:
      return object_schema(cred_fields());
    case FieldType::cmsg_list:
      return {{"type", "array"}, {"maxItems", f.max}, {"items", object_schema(cmsg_fields())}};
  }
  return json::object();
}

// One step shape: {"proc", "op": name, the fields, "expect", "comment"}, nothing else.
json step_schema(const std::vector<std::string>& names, const std::vector<Field>& fields,
                 const json& expect) {
  json props{{"proc", {{"type", "string"}}},
             {"op", names.size() == 1 ? json{{"const", names[0]}} : json{{"enum", names}}},
             {"comment", {{"type", "string"}}},
             {"expect", expect}};
  json required = {"proc", "op"};
  for (const auto& f : fields) {
    props[f.name] = field_schema(f);
    if (f.required) required.push_back(f.name);
  }
  return {{"type", "object"},
          {"required", required},
          {"additionalProperties", false},
          {"properties", props}};
}

std::vector<Field> fields_of(const OpSpec& op) {
  std::vector<Field> out;
  for (Arg a : op.args)
    for (const auto& f : arg_spec(a).fields) out.push_back(f);
  return out;
}

std::vector<std::string> names_of(const OpSpec& op) {
  std::vector<std::string> names{op.name};
  for (const auto& a : op_aliases())
    if (a.op == op.kind) names.push_back(a.alias);
  return names;
}

std::string code_list(const std::vector<std::string>& names, const char* sep) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : sep) + ("`" + n + "`");
  return s;
}

// The arguments column: each field, `?` when optional, its choices or its range.
std::string fields_doc(const std::vector<Field>& fields) {
  std::string s;
  for (const auto& f : fields) {
    s += (s.empty() ? "" : "; ") + ("`" + std::string(f.name) + "`");
    if (!f.required) s += "?";
    if (f.type == FieldType::choice) s += ": " + code_list(f.choices, " \\| ");
    if (f.type == FieldType::integer)
      s += ": " + std::to_string(f.min) + ".." + std::to_string(f.max);
    if (f.type == FieldType::boolean) s += ": bool";
    if (f.type == FieldType::fd_list || f.type == FieldType::label_array) s += ": [...]";
    if (f.type == FieldType::label_list && f.min > 1)
      s += ": [" + std::to_string(f.min) + " labels]";
  }
  return s.empty() ? "—" : s;
}

}  // namespace

json scenario_schema() {
  json expect_props = json::object();
  for (const auto& k : expectation_keys()) expect_props[k.name] = json::parse(k.schema);
  const json kernel_expect{
      {"type", "object"}, {"additionalProperties", false}, {"properties", expect_props}};
  const json usocket_expect{
      {"type", "object"},
      {"additionalProperties", false},
      {"properties", {{"result", json::object()}, {"events", {{"type", "array"}}}}}};

  json kernel_steps = json::array();
  for (const auto& op : kernel_ops())
    kernel_steps.push_back(step_schema(names_of(op), fields_of(op), {{"$ref", "#/$defs/expect"}}));
  json usocket_steps = json::array();
  for (const auto& op : usocket::usocket_ops())
    usocket_steps.push_back(step_schema({op.name}, op.fields, {{"$ref", "#/$defs/usocketExpect"}}));

  const json strings{
      {"oneOf", {{{"type", "string"}}, {{"type", "array"}, {"items", {{"type", "string"}}}}}}};
  json schema{
      {"$schema", "https://json-schema.org/draft/2020-12/schema"},
      {"$id", "https://fdlab.invalid/scenario.schema.json"},
      {"title", "fdlab scenario, format version 1"},
      {"description",
       "Generated from core/op_table.h and core/usocket/usocket_ops.cpp by `fdlab schema --write`; "
       "do not edit. The parser is the authority: it also checks labels, paths and limits that a "
       "schema cannot say (docs/scenario-format.md)."},
      {"type", "object"},
      {"required", {"fdlab", "id", "level", "provenance", "processes", "steps"}},
      {"additionalProperties", false},
      {"properties",
       {{"fdlab", {{"const", 1}}},
        {"id", {{"type", "string"}}},
        {"level", {{"enum", {"kernel", "usocket"}}}},
        {"title", {{"type", "string"}}},
        {"description", {{"type", "string"}}},
        {"comment", {{"type", "string"}}},
        {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"provenance", strings},
        {"rules", strings},
        {"min_kernel", {{"type", "string"}, {"pattern", "^[0-9]+(\\.[0-9]+)*$"}}},
        {"processes",
         {{"type", "array"},
          {"items", {{"type", "string"}}},
          {"minItems", 1},
          {"maxItems", 64},
          {"uniqueItems", true}}},
        {"steps", {{"type", "array"}}}}},
      {"allOf",
       {{{"if", {{"properties", {{"level", {{"const", "kernel"}}}}}}},
         {"then", {{"properties", {{"steps", {{"items", {{"$ref", "#/$defs/kernelStep"}}}}}}}}}},
        {{"if", {{"properties", {{"level", {{"const", "usocket"}}}}}}},
         {"then", {{"properties", {{"steps", {{"items", {{"$ref", "#/$defs/usocketStep"}}}}}}}}}}}},
      {"$defs",
       {{"expect", kernel_expect},
        {"usocketExpect", usocket_expect},
        {"kernelStep", {{"oneOf", kernel_steps}}},
        {"usocketStep", {{"oneOf", usocket_steps}}}}}};
  return schema;
}

namespace {

const char* type_name(FieldType t) {
  switch (t) {
    case FieldType::integer:
      return "integer";
    case FieldType::boolean:
      return "boolean";
    case FieldType::choice:
      return "choice";
    case FieldType::choice_list:
      return "choice_list";
    case FieldType::fd:
      return "fd";
    case FieldType::fd_list:
      return "fd_list";
    case FieldType::label_list:
      return "label_list";
    case FieldType::label:
      return "label";
    case FieldType::label_array:
      return "label_array";
    case FieldType::nullable_integer:
      return "nullable_integer";
    case FieldType::integer_or_boolean:
      return "integer_or_boolean";
    case FieldType::text:
      return "text";
    case FieldType::hex:
      return "hex";
    case FieldType::process:
      return "process";
    case FieldType::cmsg_list:
      return "cmsg_list";
    case FieldType::name_or_integer:
      return "name_or_integer";
    case FieldType::cred_object:
      return "cred_object";
  }
  return "?";
}

json op_json(const std::string& name, const std::vector<std::string>& aliases,
             const std::vector<Field>& fields, const char* result) {
  json list = json::array();
  for (const auto& f : fields)
    list.push_back({{"name", f.name}, {"type", type_name(f.type)}, {"required", f.required}});
  return {{"op", name}, {"aliases", aliases}, {"fields", list}, {"result", result}};
}

}  // namespace

json ops_description() {
  json kernel = json::array();
  for (const auto& op : kernel_ops()) {
    auto names = names_of(op);
    kernel.push_back(op_json(names[0], {names.begin() + 1, names.end()}, fields_of(op), op.result));
  }
  json usocket = json::array();
  for (const auto& op : usocket::usocket_ops())
    usocket.push_back(op_json(op.name, {}, op.fields, op.result));
  return {{"kernel", kernel}, {"usocket", usocket}};
}

std::string kernel_ops_markdown() {
  std::string md = "| op | arguments | result |\n|---|---|---|\n";
  for (const auto& op : kernel_ops()) {
    md += "| " + code_list(names_of(op), " or ") + " | " + fields_doc(fields_of(op)) + " | " +
          op.result + " |\n";
  }
  return md;
}

std::string usocket_ops_markdown() {
  std::string md = "| op | arguments | result |\n|---|---|---|\n";
  for (const auto& op : usocket::usocket_ops())
    md +=
        "| `" + std::string(op.name) + "` | " + fields_doc(op.fields) + " | " + op.result + " |\n";
  return md;
}

}  // namespace fdlab
