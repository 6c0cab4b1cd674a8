#include "core/divergence.h"

#include <algorithm>
#include <regex>
#include <stdexcept>

namespace fdlab {
namespace {

using nlohmann::json;

json step_as_written(const json& steps, int i) {
  if (!steps.is_array() || i < 0 || i >= static_cast<int>(steps.size())) return nullptr;
  json s = steps[static_cast<std::size_t>(i)];
  if (s.is_object()) s.erase("expect");
  return s;
}

// The step that made the object labelled `label`: its `as` is the label, or lists it.
json origin_of(const json& steps, const std::string& label) {
  if (!steps.is_array()) return nullptr;
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    const json& s = steps[static_cast<std::size_t>(i)];
    if (!s.is_object() || !s.contains("as")) continue;
    const json& as = s["as"];
    const bool made =
        as.is_string() ? as == label
                       : as.is_array() && std::find(as.begin(), as.end(), json(label)) != as.end();
    if (made) return step_as_written(steps, i);
  }
  return nullptr;
}

const json* record_at(const std::vector<json>& trace, int step) {
  for (const auto& r : trace)
    if (r.is_object() && r.value("step", -1) == step) return &r;
  return nullptr;
}

json events_of(const json& record) {
  return record.is_object() && record.contains("events") ? record["events"] : json::array();
}

bool same_source(const json& a, const json& b) {
  return a.value("on", "") == b.value("on", "") && a.value("event", "") == b.value("event", "");
}

// The events only one side has, each list in its own order (a multiset difference).
void unmatched(const json& ref, const json& lib, std::vector<json>& only_ref,
               std::vector<json>& only_lib) {
  std::vector<bool> used(lib.size(), false);
  for (const auto& e : ref) {
    bool found = false;
    for (std::size_t i = 0; i < lib.size() && !found; ++i)
      if (!used[i] && lib[i] == e) used[i] = found = true;
    if (!found) only_ref.push_back(e);
  }
  for (std::size_t i = 0; i < lib.size(); ++i)
    if (!used[i]) only_lib.push_back(lib[i]);
}

void diff_events(const json& steps, int i, const json& ref, const json& lib,
                 std::vector<Delta>& out) {
  const json rev = events_of(ref);
  const json lev = events_of(lib);
  if (rev == lev) return;
  std::vector<json> only_ref, only_lib;
  unmatched(rev, lev, only_ref, only_lib);
  const auto base = [&](const char* kind, const json& event) {
    json d{{"delta", kind},
           {"op", ref.value("op", "")},
           {"step", step_as_written(steps, i)},
           {"event", event},
           {"origin", event.is_object() ? origin_of(steps, event.value("on", "")) : json()}};
    // A callback event names the step that registered it: what that call was explains it.
    if (event.is_object() && event.value("event", "") == "callback")
      d["registered_by"] = step_as_written(steps, event.value("step", -1));
    return d;
  };
  if (only_ref.empty() && only_lib.empty()) {
    json d = base("event_order", nullptr);
    d["ref"] = rev;
    d["pkg"] = lev;
    d.erase("origin");
    out.push_back({i, d});
    return;
  }
  // The same object's same event with other fields (another error code, other fds) is one
  // difference, not a missing event and an extra one.
  std::vector<bool> paired(only_lib.size(), false);
  for (const auto& e : only_ref) {
    auto it = std::find_if(only_lib.begin(), only_lib.end(), [&](const json& x) {
      return !paired[static_cast<std::size_t>(&x - only_lib.data())] && same_source(e, x);
    });
    if (it != only_lib.end()) {
      paired[static_cast<std::size_t>(it - only_lib.begin())] = true;
      json d = base("event_differs", e);
      d["pkg_event"] = *it;
      out.push_back({i, d});
    } else {
      out.push_back({i, base("missing_event", e)});
    }
  }
  for (std::size_t k = 0; k < only_lib.size(); ++k)
    if (!paired[k]) out.push_back({i, base("extra_event", only_lib[k])});
}

// The first 'error' the library emitted on the step's object, at this step or later: whether
// a call's failure was reported at all tells a late report from a swallowed one.
json error_after(const json& steps, int i, const std::vector<json>& library) {
  const json step = step_as_written(steps, i);
  if (!step.is_object()) return nullptr;
  const std::string on = step.value("socket", step.value("server", ""));
  if (on.empty()) return nullptr;
  for (const auto& r : library) {
    if (!r.is_object() || r.value("step", -1) < i) continue;
    for (const auto& e : events_of(r))
      if (e.value("on", "") == on && e.value("event", "") == "error") return e;
  }
  return nullptr;
}

bool is_fd_listing(const json& r) {
  return r.is_object() && r.size() == 1 && r.contains("open") && r["open"].is_array();
}

// Two listings of open fds ({"open": [{"object", "cloexec"}]}) differ fd by fd: the same
// object with other flags, an fd only the reference has, an fd only the library has. Each is
// its own difference, with its own cause (a leak, a loss, a missing FD_CLOEXEC).
void diff_fd_listings(const json& steps, int i, const json& ref, const json& lib,
                      std::vector<Delta>& out) {
  std::vector<json> only_ref, only_lib;
  unmatched(ref["open"], lib["open"], only_ref, only_lib);
  const auto base = [&](const char* kind) {
    return json{{"delta", kind}, {"op", "open_fds"}, {"step", step_as_written(steps, i)}};
  };
  std::vector<bool> paired(only_lib.size(), false);
  for (const auto& r : only_ref) {
    bool found = false;
    for (std::size_t k = 0; k < only_lib.size() && !found; ++k) {
      if (paired[k] || only_lib[k].value("object", "") != r.value("object", "")) continue;
      paired[k] = found = true;
      json d = base("open_fd_flags");
      d["ref"] = r;
      d["pkg"] = only_lib[k];
      out.push_back({i, d});
    }
    if (!found) {
      json d = base("open_fd_missing");
      d["ref"] = r;
      out.push_back({i, d});
    }
  }
  for (std::size_t k = 0; k < only_lib.size(); ++k) {
    if (paired[k]) continue;
    json d = base("open_fd_extra");
    d["pkg"] = only_lib[k];
    out.push_back({i, d});
  }
}

}  // namespace

std::vector<Delta> diff_traces(const json& steps, const std::vector<json>& reference,
                               const std::vector<json>& library, const std::string& stopped) {
  std::vector<Delta> out;
  for (const auto& ref : reference) {
    const int i = ref.value("step", -1);
    const json* lib = record_at(library, i);
    if (lib == nullptr) {
      out.push_back({i,
                     {{"delta", "never_ran"},
                      {"op", ref.value("op", "")},
                      {"step", step_as_written(steps, i)},
                      {"stopped", stopped}}});
      break;
    }
    const json rr = ref.value("result", json());
    const json lr = lib->value("result", json());
    if (rr != lr && is_fd_listing(rr) && is_fd_listing(lr))
      diff_fd_listings(steps, i, rr, lr, out);
    else if (rr != lr)
      out.push_back({i,
                     {{"delta", "result"},
                      {"op", ref.value("op", "")},
                      {"step", step_as_written(steps, i)},
                      {"ref", rr},
                      {"pkg", lr},
                      {"pkg_error_after", error_after(steps, i, library)}}});
    diff_events(steps, i, ref, *lib, out);
  }
  return out;
}

bool pattern_matches(const json& pattern, const json& value) {
  if (pattern.is_string()) {
    const auto& p = pattern.get_ref<const std::string&>();
    if (p == "*") return !value.is_null();
    if (p == "!") return value.is_null();
    if (p.rfind("re:", 0) == 0)
      return value.is_string() &&
             std::regex_search(value.get_ref<const std::string&>(), std::regex(p.substr(3)));
  }
  if (pattern.is_object()) {
    if (!value.is_object()) return false;
    for (const auto& [key, sub] : pattern.items()) {
      const json v = value.contains(key) ? value[key] : json();
      if (!pattern_matches(sub, v)) return false;
    }
    return true;
  }
  return pattern == value;
}

const std::vector<std::string>& finding_severities() {
  static const std::vector<std::string> s{"crash",
                                          "hang",
                                          "silent data loss",
                                          "silent fd loss",
                                          "fd leak",
                                          "swallowed error",
                                          "API differs from the README"};
  return s;
}

std::vector<FindingSpec> parse_findings(const json& catalogue) {
  if (!catalogue.is_object() || !catalogue.contains("findings") ||
      !catalogue["findings"].is_array())
    throw std::runtime_error("findings catalogue: expected {\"findings\": [...]}");
  std::vector<FindingSpec> out;
  for (const auto& e : catalogue["findings"]) {
    const std::string id = e.is_object() ? e.value("id", "") : "";
    const auto bad = [&](const std::string& field, const std::string& what) {
      return std::runtime_error("findings catalogue: entry '" + id + "': field '" + field +
                                "': " + what);
    };
    if (id.empty()) throw bad("id", "expected a non-empty string");
    for (const auto& f : out)
      if (f.id == id) throw bad("id", "listed twice");
    FindingSpec f{id, e.value("severity", ""), e.value("title", ""), e, {}, {}};
    const auto& sev = finding_severities();
    if (std::find(sev.begin(), sev.end(), f.severity) == sev.end())
      throw bad("severity", "expected one of the severities of core/divergence.cpp");
    if (f.title.empty()) throw bad("title", "expected a non-empty string");
    if (!e.contains("match") || !e["match"].is_array() || e["match"].empty())
      throw bad("match", "expected a non-empty array of patterns");
    const auto patterns = [&](const char* field, std::vector<json>& into) {
      if (!e.contains(field)) return;
      if (!e[field].is_array()) throw bad(field, "expected an array of patterns");
      for (const auto& m : e[field]) {
        if (!m.is_object()) throw bad(field, "each pattern is an object");
        into.push_back(m);
      }
    };
    patterns("match", f.match);
    patterns("consequences", f.consequences);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::string> attribute(const std::vector<FindingSpec>& findings,
                                   const std::vector<Delta>& deltas) {
  std::vector<std::string> out;
  std::vector<const FindingSpec*> seen;
  const auto any = [](const std::vector<json>& patterns, const Delta& d) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const json& p) { return pattern_matches(p, d.what); });
  };
  for (const auto& d : deltas) {
    std::string id = "unexplained";
    // A run that went wrong in a known way first: what follows from it is its consequence,
    // even where another finding's pattern would fit too (a socket the constructor never made
    // does not emit 'connected' later, whatever else would keep it from doing so).
    for (const auto* f : seen)
      if (any(f->consequences, d)) {
        id = f->id;
        break;
      }
    if (id == "unexplained")
      for (const auto& f : findings)
        if (any(f.match, d)) {
          id = f.id;
          if (std::find(seen.begin(), seen.end(), &f) == seen.end()) seen.push_back(&f);
          break;
        }
    out.push_back(id);
  }
  return out;
}

}  // namespace fdlab
