// Thrift's compact protocol, write side only, for the few structs a Parquet
// file's page headers and footer need (parquet.thrift). Field ids are delta
// encoded against the previous field of the same struct, so fields of a struct
// must be written in increasing id order (CHECKed).
//
// Appends to a string the caller owns; keeps no other state than the stack of
// open structs. Not thread-safe; cheap to create per header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smartcity::lake {

// Element types of a list, as the compact protocol numbers them.
enum class ThriftType : std::uint8_t {
  kI32 = 5,
  kI64 = 6,
  kBinary = 8,
  kStruct = 12,
};

// Appends `value` as ULEB128 (7 bits a byte, low first), the varint of the
// compact protocol and of Parquet's RLE run headers.
void append_varint(std::string& out, std::uint64_t value);

class ThriftCompactWriter {
 public:
  // Starts the outermost struct at the end of `out`.
  explicit ThriftCompactWriter(std::string& out);

  void field_i16(std::int16_t id, std::int16_t value);
  void field_i32(std::int16_t id, std::int32_t value);
  void field_i64(std::int16_t id, std::int64_t value);
  void field_bool(std::int16_t id, bool value);
  void field_binary(std::int16_t id, std::string_view value);
  // A struct-valued field: its fields follow, then end_struct().
  void begin_struct_field(std::int16_t id);
  // A list-valued field of `size` elements, which follow as element_*() or,
  // for structs, begin_struct_element() … end_struct().
  void begin_list_field(std::int16_t id, ThriftType element, std::size_t size);
  void element_i32(std::int32_t value);
  void element_binary(std::string_view value);
  void begin_struct_element();
  // Closes the innermost open struct; the last call closes the outermost one.
  void end_struct();
  // Whether every struct opened has been closed.
  bool finished() const { return last_field_ids_.empty(); }

 private:
  void field_header(std::int16_t id, std::uint8_t type);
  void varint(std::uint64_t value) { append_varint(out_, value); }

  std::string& out_;
  // Id of the last field written, per open struct.
  std::vector<std::int16_t> last_field_ids_;
};

}  // namespace smartcity::lake
