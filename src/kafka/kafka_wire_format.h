// Kafka's wire encodings: big-endian integers, int16-length strings, and the
// zig-zag varints of RecordBatch v2. Used by the fetch path that reads record
// batches straight from the broker (`kafka_fetch_connection`,
// `record_batch_reader`).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace smartcity::kafka {

// Appends a request body. Owns its bytes; `bytes()` is valid until the next
// append.
class WireWriter {
 public:
  void int8(std::int8_t v) { bytes_.push_back(static_cast<char>(v)); }
  void int16(std::int16_t v) { big_endian(static_cast<std::uint16_t>(v), 2); }
  void int32(std::int32_t v) { big_endian(static_cast<std::uint32_t>(v), 4); }
  void int64(std::int64_t v) { big_endian(static_cast<std::uint64_t>(v), 8); }
  // A non-null string with an int16 length (Kafka's STRING).
  void string(std::string_view s) {
    int16(static_cast<std::int16_t>(s.size()));
    bytes_.append(s);
  }
  // Overwrites 4 bytes at `at` (a length prefix written before its body was
  // known).
  void patch_int32(std::size_t at, std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    for (int i = 0; i < 4; ++i)
      bytes_[at + static_cast<std::size_t>(i)] = static_cast<char>(u >> (24 - 8 * i));
  }
  std::size_t size() const { return bytes_.size(); }
  const std::string& bytes() const { return bytes_; }

 private:
  void big_endian(std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i)
      bytes_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string bytes_;
};

// Reads a response or a record batch. Never reads past its span: a read that
// would sets `failed()` and returns zero, so a truncated or corrupt input is
// noticed once, by the caller, rather than checked at every field.
class WireReader {
 public:
  explicit WireReader(std::span<const char> bytes) : bytes_(bytes) {}

  std::int8_t int8() { return static_cast<std::int8_t>(fixed<std::uint8_t>(1)); }
  std::int16_t int16() { return static_cast<std::int16_t>(fixed<std::uint16_t>(2)); }
  std::int32_t int32() { return static_cast<std::int32_t>(fixed<std::uint32_t>(4)); }
  std::int64_t int64() { return static_cast<std::int64_t>(fixed<std::uint64_t>(8)); }
  // Kafka's STRING / NULLABLE_STRING (int16 length, -1 for null).
  std::optional<std::string_view> string() {
    const std::int16_t length = int16();
    if (length < 0) return std::nullopt;
    return view(static_cast<std::size_t>(length));
  }
  // Kafka's NULLABLE_BYTES (int32 length, -1 for null).
  std::optional<std::span<const char>> bytes() {
    const std::int32_t length = int32();
    if (length < 0) return std::nullopt;
    const std::string_view v = view(static_cast<std::size_t>(length));
    return std::span<const char>(v.data(), v.size());
  }
  // A zig-zag varint of at most 64 bits (RecordBatch v2's varint and varlong).
  std::int64_t varint() {
    std::uint64_t raw = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position_ >= bytes_.size()) return fail();
      const auto byte = static_cast<std::uint8_t>(bytes_[position_++]);
      raw |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0)
        return static_cast<std::int64_t>(raw >> 1) ^ -static_cast<std::int64_t>(raw & 1);
    }
    return fail();
  }
  // `length` bytes as a view into the input; empty and failed if fewer remain.
  std::string_view view(std::size_t length) {
    if (length > remaining()) {
      fail();
      return {};
    }
    const std::string_view v(bytes_.data() + position_, length);
    position_ += length;
    return v;
  }
  void skip(std::size_t length) { view(length); }

  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }
  bool failed() const { return failed_; }

 private:
  template <typename T>
  T fixed(int width) {
    if (remaining() < static_cast<std::size_t>(width)) return static_cast<T>(fail());
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i)
      v = (v << 8) | static_cast<std::uint8_t>(bytes_[position_ + static_cast<std::size_t>(i)]);
    position_ += static_cast<std::size_t>(width);
    return static_cast<T>(v);
  }
  std::int64_t fail() {
    failed_ = true;
    position_ = bytes_.size();
    return 0;
  }

  std::span<const char> bytes_;
  std::size_t position_ = 0;
  bool failed_ = false;
};

}  // namespace smartcity::kafka
