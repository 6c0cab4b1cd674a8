// The rules the sim marks as reached (core/rules_reached.h): every mark names a rule of the
// catalogue, every rule is marked or listed in tests/data/rules-not-marked.json with the reason
// it cannot be, and a scenario of the corpus, replayed on the sim, reaches the marked rules it
// names (so a mark sits where its rule decides, not somewhere it merely might).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/level.h"
#include "core/replay.h"
#include "core/rules_catalogue.h"
#include "core/rules_reached.h"
#include "corpus/scenario_files.h"
#include "sim/sim_kernel.h"
#include "tests/corpus_paths.h"

namespace fdlab {
namespace {

namespace fs = std::filesystem;

std::string source(const std::string& rel) { return std::string(FDLAB_SOURCE_DIR) + "/" + rel; }

// Every rule of docs/rules/*.json, by id.
std::map<std::string, Rule> catalogue() {
  std::map<std::string, Rule> rules;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(source("docs/rules")))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  for (const auto& f : files)
    for (const Rule& r : parse_rules_catalogue(read_text_file(f), f)) rules[r.id] = r;
  return rules;
}

// The rule ids marked in core/ and sim/: the string literals of each call of reached(...), up
// to its `;` (a mark may name one rule per socket type), with the file that marks each.
std::map<std::string, std::set<std::string>> marks_in_source() {
  std::map<std::string, std::set<std::string>> marks;
  const std::regex literal("\"([^\"]+)\"");
  for (const char* dir : {"core", "sim"}) {
    for (const auto& e : fs::recursive_directory_iterator(source(dir))) {
      const auto ext = e.path().extension();
      if (ext != ".cpp" && ext != ".h") continue;
      const std::string text = read_text_file(e.path().string());
      const std::string rel = e.path().lexically_relative(FDLAB_SOURCE_DIR).string();
      for (std::size_t at = text.find("reached("); at != std::string::npos;
           at = text.find("reached(", at + 1)) {
        // A comment mentions marks without making one; a declaration or a definition takes
        // names, never literals; some_reached( is another function.
        const std::size_t line = text.rfind('\n', at) + 1;
        if (text.substr(line, at - line).find("//") != std::string::npos) continue;
        if (at > 0 &&
            (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_'))
          continue;
        const std::size_t end = text.find(';', at);
        const std::string call = text.substr(at, end - at);
        for (std::sregex_iterator m(call.begin(), call.end(), literal), none; m != none; ++m)
          marks[(*m)[1].str()].insert(rel);
      }
    }
  }
  return marks;
}

nlohmann::json not_marked_file() {
  return nlohmann::json::parse(read_text_file(source("tests/data/rules-not-marked.json")));
}

TEST(RulesReached, CountsEachRuleAndDoesNothingWithoutASink) {
  RulesReached sink;
  reached(&sink, "stream.eof");
  reached(&sink, "stream.eof");
  reached(nullptr, "stream.epipe");
  EXPECT_TRUE(sink.has("stream.eof"));
  EXPECT_FALSE(sink.has("stream.epipe"));
  EXPECT_EQ(sink.counts().at("stream.eof"), 2);
}

TEST(RulesReached, EveryMarkNamesARuleOfTheCatalogue) {
  const auto rules = catalogue();
  const auto marks = marks_in_source();
  ASSERT_GE(marks.size(), 50u) << "the source scan found too few marks";
  for (const auto& [id, files] : marks)
    EXPECT_TRUE(rules.count(id)) << "'" << id << "' is marked in " << *files.begin()
                                 << " but is no rule of docs/rules/*.json";
}

TEST(RulesReached, EveryRuleIsMarkedOrSaysWhyNot) {
  const auto rules = catalogue();
  const auto marks = marks_in_source();
  const auto listed = not_marked_file()["rules"];
  for (const auto& [id, rule] : rules) {
    const bool marked = marks.count(id) != 0;
    const bool excused = listed.contains(id);
    EXPECT_TRUE(marked || excused)
        << id << " is neither marked in core/ or sim/ nor listed in "
        << "tests/data/rules-not-marked.json with the reason it cannot be";
    EXPECT_FALSE(marked && excused)
        << id << " is marked, so tests/data/rules-not-marked.json should not list it";
  }
  for (const auto& [id, why] : listed.items()) {
    EXPECT_TRUE(rules.count(id)) << "tests/data/rules-not-marked.json lists '" << id
                                 << "', which is no rule of the catalogue";
    EXPECT_TRUE(why.is_string() && !why.get<std::string>().empty()) << id << " needs a reason";
  }
}

// For honesty: a scenario names the rules it checks, so replaying it on the sim must reach each
// of them that is marked. A mark in the wrong place fails here; so does a scenario that names a
// rule it does not exercise, unless tests/data/rules-not-marked.json says why under
// named_not_reached (and then it must still not reach it: a stale excuse fails too).
TEST(RulesReached, CorpusScenariosReachTheMarkedRulesTheyName) {
  const auto marks = marks_in_source();
  const auto excused = not_marked_file()["named_not_reached"];
  const auto files = collect_scenario_files({testing::scenarios_dir()});
  ASSERT_GE(files.size(), 30u);
  std::size_t checked = 0;
  for (const auto& file : files) {
    const Scenario sc = parse_scenario(read_text_file(file), file);
    SimKernel kernel;
    RulesReached sink;
    kernel.set_rules_sink(&sink);
    replay(sc, kernel);
    const nlohmann::json none = nlohmann::json::object();
    const auto& excuses = excused.contains(sc.id) ? excused[sc.id] : none;
    for (const auto& id : sc.rules) {
      if (!marks.count(id)) continue;
      ++checked;
      if (excuses.contains(id)) {
        EXPECT_FALSE(sink.has(id)) << file << " reaches " << id << " now: remove its entry "
                                   << "from named_not_reached in tests/data/rules-not-marked.json";
        continue;
      }
      EXPECT_TRUE(sink.has(id)) << file << " names " << id
                                << ", which its replay on the sim did not reach";
    }
    for (const auto& [id, why] : excuses.items())
      EXPECT_NE(std::find(sc.rules.begin(), sc.rules.end(), id), sc.rules.end())
          << "named_not_reached excuses " << sc.id << " for " << id << ", which it does not name";
  }
  EXPECT_GE(checked, 300u);
}

}  // namespace
}  // namespace fdlab
