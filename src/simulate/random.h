// The simulator's random numbers: xoshiro256** seeded through splitmix64,
// with our own uniform and integer draws. std:: distributions are not used
// because their output is implementation-defined; these make `--seed S`
// byte-for-byte repeatable on any compiler and library.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace smartcity::simulate {

class Random {
 public:
  explicit Random(std::uint64_t seed);

  std::uint64_t next();
  // Uniform in [low, high).
  double uniform(double low, double high);
  // Uniform integer in [low, high], both included (Python's randint).
  std::int64_t integer(std::int64_t low, std::int64_t high);
  bool chance(double probability) { return uniform(0, 1) < probability; }
  template <typename T>
  const T& choose(std::span<const T> items) {
    return items[static_cast<std::size_t>(integer(0, static_cast<std::int64_t>(items.size()) - 1))];
  }
  // A random (version 4) UUID in its 36-character text form, into `out`.
  void uuid4(std::string& out);

 private:
  std::uint64_t state_[4];
};

}  // namespace smartcity::simulate
