#include "core/step_source.h"

#include <stdexcept>

namespace fdlab {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(const std::string& t, std::size_t i) {
  while (i < t.size() && is_space(t[i])) ++i;
  return i;
}

// From the opening quote to just after the closing one.
std::size_t skip_string(const std::string& t, std::size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\')
      ++i;
    else if (t[i] == '"')
      return i + 1;
  }
  return t.size();
}

std::size_t skip_value(const std::string& t, std::size_t i) {
  if (t[i] == '"') return skip_string(t, i);
  if (t[i] == '{' || t[i] == '[') {
    int depth = 0;
    while (i < t.size()) {
      const char c = t[i];
      if (c == '"') {
        i = skip_string(t, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return i + 1;
      ++i;
    }
    return i;
  }
  while (i < t.size() && !is_space(t[i]) && t[i] != ',' && t[i] != ']' && t[i] != '}') ++i;
  return i;
}

[[noreturn]] void not_found() {
  throw std::logic_error("the steps of a checked scenario could not be found again in its text");
}

}  // namespace

std::size_t find_steps_array(const std::string& t) {
  std::size_t i = t.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a BOM, as the parser allows
  i = skip_space(t, i);
  if (i >= t.size() || t[i] != '{') not_found();
  i = skip_space(t, i + 1);
  while (i < t.size() && t[i] == '"') {
    const std::size_t key_end = skip_string(t, i);
    // A key may be written with escapes ("st\u0065ps"): compare it decoded.
    const auto key = nlohmann::json::parse(t.begin() + static_cast<std::ptrdiff_t>(i),
                                           t.begin() + static_cast<std::ptrdiff_t>(key_end))
                         .get<std::string>();
    i = skip_space(t, key_end);
    if (i >= t.size() || t[i] != ':') not_found();
    i = skip_space(t, i + 1);
    if (key == "steps") {
      if (i >= t.size() || t[i] != '[') not_found();
      return i + 1;
    }
    i = skip_space(t, skip_value(t, i));
    if (i < t.size() && t[i] == ',') i = skip_space(t, i + 1);
  }
  not_found();
}

bool next_array_element(const std::string& t, std::size_t& pos, std::size_t& begin,
                        std::size_t& end) {
  std::size_t i = skip_space(t, pos);
  if (i < t.size() && t[i] == ',') i = skip_space(t, i + 1);
  if (i >= t.size() || t[i] == ']') return false;
  begin = i;
  end = skip_value(t, i);
  pos = end;
  return true;
}

StepSource::StepSource(std::string text, const Scenario& header, std::size_t count)
    : text_(std::move(text)), count_(count) {
  header_.file = header.file;
  header_.processes = header.processes;
  restart();
}

StepSource::~StepSource() = default;

void StepSource::restart() {
  reader_ = std::make_unique<KernelStepReader>(header_);
  pos_ = find_steps_array(text_);
  next_ = 0;
}

void StepSource::read_next() {
  std::size_t begin = 0, end = 0;
  if (!next_array_element(text_, pos_, begin, end)) not_found();
  const auto step = nlohmann::json::parse(text_.begin() + static_cast<std::ptrdiff_t>(begin),
                                          text_.begin() + static_cast<std::ptrdiff_t>(end));
  recent_[next_ % 2] = reader_->read(step);
  ++next_;
}

const Step& StepSource::at(std::size_t i) {
  if (i >= count_)
    throw std::out_of_range("step " + std::to_string(i) + " of " + std::to_string(count_));
  if (i + 2 < next_) restart();  // behind what is kept: read again from the first
  while (next_ <= i) read_next();
  return recent_[i % 2];
}

}  // namespace fdlab
