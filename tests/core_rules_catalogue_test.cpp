#include <gtest/gtest.h>

#include "core/harness_error.h"
#include "core/rules_catalogue.h"

namespace fdlab {
namespace {

const std::vector<Rule> kRules = {{"a.one", "One.", "src1"}, {"a.two", "Two.", "src2"}};

TEST(RulesCatalogue, AgreesWhenEveryRuleHasAScenarioAndBack) {
  EXPECT_TRUE(check_rules(kRules, {{"s1", {"a.one"}}, {"s2", {"a.two", "a.one"}}}).empty());
}

TEST(RulesCatalogue, ReportsARuleWithoutScenario) {
  const auto p = check_rules(kRules, {{"s1", {"a.one"}}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "rule a.two has no scenario");
}

TEST(RulesCatalogue, ReportsUnknownAndMissingRulesOfScenarios) {
  const auto p = check_rules(kRules, {{"s1", {"a.one", "a.three"}}, {"s2", {}}, {"s3", {"a.two"}}});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "scenario s1 names rule 'a.three', which is not in the catalogue");
  EXPECT_EQ(p[1], "scenario s2 names no rule");
}

TEST(RulesCatalogue, MarkdownNumbersRulesAndListsTheirScenarios) {
  const auto md = render_rules_markdown(kRules, {{"s1", {"a.two"}}, {"s2", {"a.two"}}});
  EXPECT_NE(md.find("## 2. `a.two`\n\nTwo.\n\n- Source: src2\n- Scenarios: `s1` `s2`"),
            std::string::npos)
      << md;
}

TEST(RulesCatalogue, DuplicateIdsAreRefused) {
  EXPECT_THROW(parse_rules_catalogue(R"({"rules": [{"id": "x", "rule": "r", "source": "s"},
                                                   {"id": "x", "rule": "r", "source": "s"}]})",
                                     "rules.json"),
               HarnessError);
}

}  // namespace
}  // namespace fdlab
