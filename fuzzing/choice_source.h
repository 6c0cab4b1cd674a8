#pragma once
// Where the generator's choices come from: a seed (fdlab fuzz: the same seed gives the same
// scenario on every machine), or a libFuzzer input (each choice reads the next bytes, so the
// fuzzer's mutations and coverage guidance steer what is generated).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fdlab {

class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;
  // 0 .. n-1 (n >= 1).
  int below(int n) { return n <= 1 ? 0 : static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
  // An index into `weights` (not all zero), each drawn in proportion to its weight.
  std::size_t weighted(const std::vector<int>& weights);
  // No more real choices: a byte source that ran out answers 0 from here on.
  virtual bool exhausted() const { return false; }

 protected:
  virtual std::uint64_t next() = 0;
};

// splitmix64: tiny, seedable, identical on every platform (std:: distributions are not).
class SeededChoices final : public ChoiceSource {
 public:
  explicit SeededChoices(std::uint64_t seed) : state_(seed) {}

 private:
  std::uint64_t next() override;
  std::uint64_t state_;
};

// Two bytes per choice, little-endian; 0 once the input is used up.
class ByteChoices final : public ChoiceSource {
 public:
  ByteChoices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool exhausted() const override { return pos_ >= size_; }

 private:
  std::uint64_t next() override;
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace fdlab
