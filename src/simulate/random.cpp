#include "simulate/random.h"

namespace smartcity::simulate {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Random::Random(std::uint64_t seed) {
  for (std::uint64_t& word : state_)
    word = splitmix64(seed);
}

std::uint64_t Random::next() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Random::uniform(double low, double high) {
  // 53 random bits: every double in [0, 1) that has that spacing.
  const double unit = static_cast<double>(next() >> 11) * 0x1.0p-53;
  return low + (high - low) * unit;
}

std::int64_t Random::integer(std::int64_t low, std::int64_t high) {
  const auto span = static_cast<std::uint64_t>(high - low) + 1;
  // Rejection sampling: no modulo bias.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  std::uint64_t draw = next();
  while (draw >= limit)
    draw = next();
  return low + static_cast<std::int64_t>(draw % span);
}

void Random::uuid4(std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t high = next();
  std::uint64_t low = next();
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;    // RFC 4122 variant
  out.resize(36);
  std::size_t pos = 0;
  auto put = [&](std::uint64_t word, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i)
      out[pos++] = kHex[(word >> (i * 4)) & 0xF];
  };
  put(high >> 32, 8);
  out[pos++] = '-';
  put(high >> 16, 4);
  out[pos++] = '-';
  put(high, 4);
  out[pos++] = '-';
  put(low >> 48, 4);
  out[pos++] = '-';
  put(low, 12);
}

}  // namespace smartcity::simulate
