#pragma once
// How a library's trace differs from the reference's, step by step, without stopping at the
// first difference, and which known cause explains each difference (docs/adapter-protocol.md,
// "Findings"). Pure functions over trace records, so any library adapter's trace compares the
// same way, and the unit tests need no package.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fdlab {

// One difference at one step. `what` describes it for matching and for the report:
//   {"delta": "missing_event" | "extra_event" | "event_differs" | "event_order" | "result"
//             | "never_ran" | "open_fd_flags" | "open_fd_missing" | "open_fd_extra",
//    "op": the step's op, "step": the step as written (without its expectation),
//    "event": the reference's event (missing, differs) or the library's (extra),
//    "pkg_event": the library's event (event_differs),
//    "origin": the step that created the object the event is on (events only),
//    "registered_by": the step that registered a callback (callback events),
//    "ref": / "pkg": the results (result), or one fd of two open-fd listings ({"object",
//                    "cloexec"}): the same object with other flags, or an fd only one side
//                    has (open_fd_*: a listing differs fd by fd, each with its own cause),
//    "pkg_error_after": the first 'error' the library emitted on the step's object at this
//                       step or later, or null (result: a late report or a swallowed error),
//    "stopped": why the library's run ended before this step (never_ran)}
struct Delta {
  int step = 0;
  nlohmann::json what;
};

// `steps` is the scenario's "steps" array. The library's run may end early: the first step
// without a record is one never_ran delta carrying `stopped` (the run's failure message);
// later steps add nothing (a finding explains why the run stopped, not what it never did).
std::vector<Delta> diff_traces(const nlohmann::json& steps,
                               const std::vector<nlohmann::json>& reference,
                               const std::vector<nlohmann::json>& library,
                               const std::string& stopped);

// A pattern matches a value when every key of a pattern object matches the value's key
// (recursively), "*" matches any present value, "!" an absent (or null) one, a string starting with
// "re:" is a regular expression searched in a string value, and anything else must be equal.
bool pattern_matches(const nlohmann::json& pattern, const nlohmann::json& value);

// A known cause: an entry of a findings catalogue (adapters/usocket/findings.json).
struct FindingSpec {
  std::string id;
  std::string severity;
  std::string title;
  nlohmann::json entry;               // the whole catalogue entry, for the report
  std::vector<nlohmann::json> match;  // patterns over Delta::what; any one explains a delta
  // Patterns for what follows from it: they explain a delta only after one of `match` did,
  // earlier in the same run (a socket closed silently makes later reads differ too).
  std::vector<nlohmann::json> consequences;
};

// The catalogue's severities, worst first: the order the report lists findings in.
const std::vector<std::string>& finding_severities();

// Parses a catalogue; throws std::runtime_error naming the entry and field on a bad one.
std::vector<FindingSpec> parse_findings(const nlohmann::json& catalogue);

// The finding of each of one run's deltas (in order): the first finding already seen in this
// run whose `consequences` explain it, else the first whose `match` does, else "unexplained".
std::vector<std::string> attribute(const std::vector<FindingSpec>& findings,
                                   const std::vector<Delta>& deltas);

}  // namespace fdlab
