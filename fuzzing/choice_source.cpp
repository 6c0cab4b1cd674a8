#include "fuzzing/choice_source.h"

#include <numeric>

namespace fdlab {

std::size_t ChoiceSource::weighted(const std::vector<int>& weights) {
  const int total = std::accumulate(weights.begin(), weights.end(), 0);
  int at = below(total);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (at < weights[i]) return i;
    at -= weights[i];
  }
  return 0;  // all weights zero: the caller refuses that before asking
}

std::uint64_t SeededChoices::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint64_t ByteChoices::next() {
  std::uint64_t v = 0;
  for (int i = 0; i < 2 && pos_ < size_; ++i)
    v |= static_cast<std::uint64_t>(data_[pos_++]) << (8 * i);
  return v;
}

}  // namespace fdlab
