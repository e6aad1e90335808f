#include "lake/thrift_compact_writer.h"

#include "base/check.h"

namespace smartcity::lake {
namespace {

// Field types of the compact protocol; booleans carry their value in the type.
constexpr std::uint8_t kTrue = 1;
constexpr std::uint8_t kFalse = 2;
constexpr std::uint8_t kI16 = 4;
constexpr auto kI32 = static_cast<std::uint8_t>(ThriftType::kI32);
constexpr auto kI64 = static_cast<std::uint8_t>(ThriftType::kI64);
constexpr auto kBinary = static_cast<std::uint8_t>(ThriftType::kBinary);
constexpr std::uint8_t kList = 9;
constexpr auto kStruct = static_cast<std::uint8_t>(ThriftType::kStruct);

std::uint64_t zigzag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

}  // namespace

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

ThriftCompactWriter::ThriftCompactWriter(std::string& out) : out_(out), last_field_ids_{0} {}

void ThriftCompactWriter::field_header(std::int16_t id, std::uint8_t type) {
  SMARTCITY_CHECK(!last_field_ids_.empty(), "Thrift field written after the last struct closed");
  std::int16_t& last = last_field_ids_.back();
  SMARTCITY_CHECK(id > last, "Thrift fields must be written in increasing id order");
  const int delta = id - last;
  if (delta <= 15) {
    out_.push_back(static_cast<char>((delta << 4) | type));
  } else {
    out_.push_back(static_cast<char>(type));
    varint(zigzag(id));
  }
  last = id;
}

void ThriftCompactWriter::field_i16(std::int16_t id, std::int16_t value) {
  field_header(id, kI16);
  varint(zigzag(value));
}

void ThriftCompactWriter::field_i32(std::int16_t id, std::int32_t value) {
  field_header(id, kI32);
  varint(zigzag(value));
}

void ThriftCompactWriter::field_i64(std::int16_t id, std::int64_t value) {
  field_header(id, kI64);
  varint(zigzag(value));
}

void ThriftCompactWriter::field_bool(std::int16_t id, bool value) {
  field_header(id, value ? kTrue : kFalse);
}

void ThriftCompactWriter::field_binary(std::int16_t id, std::string_view value) {
  field_header(id, kBinary);
  element_binary(value);
}

void ThriftCompactWriter::begin_struct_field(std::int16_t id) {
  field_header(id, kStruct);
  last_field_ids_.push_back(0);
}

void ThriftCompactWriter::begin_list_field(std::int16_t id, ThriftType element, std::size_t size) {
  field_header(id, kList);
  const auto type = static_cast<std::uint8_t>(element);
  if (size < 15) {
    out_.push_back(static_cast<char>((size << 4) | type));
  } else {
    out_.push_back(static_cast<char>(0xf0 | type));
    varint(size);
  }
}

void ThriftCompactWriter::element_i32(std::int32_t value) {
  varint(zigzag(value));
}

void ThriftCompactWriter::element_binary(std::string_view value) {
  varint(value.size());
  out_.append(value);
}

void ThriftCompactWriter::begin_struct_element() {
  last_field_ids_.push_back(0);
}

void ThriftCompactWriter::end_struct() {
  SMARTCITY_CHECK(!last_field_ids_.empty(), "Thrift struct closed twice");
  out_.push_back(0);  // stop field
  last_field_ids_.pop_back();
}

}  // namespace smartcity::lake
