#include "core/json_input.h"

#include <set>
#include <vector>

#include "core/harness_error.h"

namespace fdlab {
namespace {

using Event = nlohmann::json::parse_event_t;

// Where the parser is, as the keys and indices from the top: enough to name the step and the
// field of a duplicate key or a nesting too deep, before the document exists as a whole.
class JsonPath {
 public:
  void enter(bool object) {
    element();
    frames_.push_back(Frame{object, {}, {}, -1});
  }
  void leave() { frames_.pop_back(); }
  void value() { element(); }
  // Returns false when the current object already has this key.
  bool key(const std::string& k) {
    Frame& f = frames_.back();
    f.key = k;
    return f.keys.insert(k).second;
  }
  std::size_t depth() const { return frames_.size(); }

  // The key of the top-level member a value `parents` frames deep is, if it is one.
  const std::string* member(std::size_t parents) const {
    if (parents != 1 || !frames_[0].object) return nullptr;
    return &frames_[0].key;
  }
  // Whether a value `parents` frames deep is an element of the top-level array "steps"; its
  // index in `index`.
  bool is_step(std::size_t parents, std::size_t& index) const {
    if (parents != 2 || !frames_[0].object || frames_[0].key != "steps" || frames_[1].object)
      return false;
    index = static_cast<std::size_t>(frames_[1].index);
    return true;
  }

  // "steps", 3, "expect", "result" becomes step 3, field "expect.result".
  [[noreturn]] void fail(const std::string& file, const std::string& what) const {
    int step = -1;
    std::size_t from = 0;
    if (frames_.size() >= 2 && frames_[0].object && frames_[0].key == "steps" &&
        !frames_[1].object && frames_[1].index >= 0) {
      step = static_cast<int>(frames_[1].index);
      from = 2;
    }
    std::string field;
    constexpr std::size_t kShown = 4;  // a 10,000-deep path is not a useful field name
    for (std::size_t i = from; i < frames_.size() && i < from + kShown; ++i) {
      const Frame& f = frames_[i];
      if (f.object && !f.key.empty())
        field += (field.empty() ? "" : ".") + f.key;
      else if (!f.object && f.index >= 0)
        field += "[" + std::to_string(f.index) + "]";
    }
    if (frames_.size() > from + kShown) field += "...";
    throw HarnessError(file, step, field, what);
  }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;  // objects: every key seen so far
    std::string key;             // objects: the key whose value is being read
    long index;                  // arrays: the element being read
  };
  void element() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  std::vector<Frame> frames_;
};

}  // namespace

nlohmann::json parse_json_input(const std::string& text, const std::string& file,
                                const JsonInputHooks& hooks) {
  if (text.size() > kMaxScenarioBytes)
    throw HarnessError(file, -1, "",
                       "larger than " + std::to_string(kMaxScenarioBytes >> 20) +
                           " MiB: not read (a scenario is a small file)");
  JsonPath path;
  // A value is complete, `parents` frames deep: the hooks see it; false drops it.
  auto completed = [&](std::size_t parents, nlohmann::json& value) {
    std::size_t index = 0;
    if (const std::string* key = path.member(parents); key && hooks.member)
      hooks.member(*key, value);
    else if (hooks.step && path.is_step(parents, index))
      return hooks.step(index, value);
    return true;
  };
  auto check = [&](int, Event event, nlohmann::json& parsed) {
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        path.enter(event == Event::object_start);
        if (path.depth() > static_cast<std::size_t>(kMaxJsonDepth))
          path.fail(file, "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        break;
      case Event::object_end:
      case Event::array_end: {
        path.leave();
        return completed(path.depth(), parsed);
      }
      case Event::key:
        if (!path.key(parsed.get<std::string>()))
          path.fail(file, "key '" + parsed.get<std::string>() +
                              "' given twice in one object (the last would win unseen)");
        break;
      case Event::value:
        path.value();
        return completed(path.depth(), parsed);
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, check);
  } catch (const nlohmann::json::parse_error& e) {
    throw HarnessError(file, -1, "", std::string("invalid JSON: ") + e.what());
  } catch (const nlohmann::json::out_of_range& e) {
    // 1e400: a number no double holds (found by the parser fuzzer).
    throw HarnessError(file, -1, "",
                       std::string("invalid JSON: a number out of range: ") + e.what());
  }
}

}  // namespace fdlab
