#include "lake/thrift_compact_writer.h"

#include <gtest/gtest.h>

namespace smartcity::lake {
namespace {

// Expected bytes worked out by hand from the compact protocol's spec.
TEST(ThriftCompactWriter, EncodesFieldsListsAndStructsAsTheSpecSays) {
  std::string out;
  ThriftCompactWriter thrift(out);
  thrift.field_i32(1, 1);                            // delta 1, type 5; zigzag 2
  thrift.field_i64(3, -1);                           // delta 2, type 6; zigzag 1
  thrift.field_bool(4, true);                        // delta 1, type 1 (true)
  thrift.field_binary(20, "ab");                     // delta 16: long form, id zigzag 40
  thrift.begin_list_field(21, ThriftType::kI32, 2);  // short list header
  thrift.element_i32(0);
  thrift.element_i32(300);        // zigzag 600 = 0xd8 0x04
  thrift.begin_struct_field(22);  // type 12
  thrift.field_i16(1, -2);        // nested ids restart: delta 1, type 4; zigzag 3
  thrift.field_bool(2, false);    // type 2 (false)
  thrift.end_struct();
  thrift.begin_list_field(23, ThriftType::kBinary, 15);  // long list header
  for (int i = 0; i < 15; ++i)
    thrift.element_binary("");
  thrift.end_struct();
  EXPECT_TRUE(thrift.finished());
  const std::string expected(
      "\x15\x02"
      "\x26\x01"
      "\x11"
      "\x08\x28\x02"
      "ab"
      "\x19\x25\x00\xd8\x04"
      "\x1c\x14\x03\x12\x00"
      "\x19\xf8\x0f"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00",
      39);
  EXPECT_EQ(out, expected);
}

TEST(ThriftCompactWriter, VarintsUseSevenBitsAByteLowFirst) {
  std::string out;
  append_varint(out, 0);
  append_varint(out, 127);
  append_varint(out, 128);
  append_varint(out, ~std::uint64_t{0});
  EXPECT_EQ(out, std::string("\x00\x7f\x80\x01"
                             "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                             14));
}

TEST(ThriftCompactWriterDeathTest, FieldsOutOfOrderAreABug) {
  std::string out;
  ThriftCompactWriter thrift(out);
  thrift.field_i32(2, 0);
  EXPECT_DEATH(thrift.field_i32(1, 0), "increasing id order");
}

}  // namespace
}  // namespace smartcity::lake
