// The request pieces smartcity builds itself around libcurl's signing: key
// encoding, payload hashes and the XML it reads back.
#include <gtest/gtest.h>

#include "lake/s3_client.h"
#include "lake/s3_xml.h"

namespace smartcity::lake {
namespace {

TEST(S3UriEncode, EscapesWhatSigV4EscapesAndKeepsSlashesInKeys) {
  EXPECT_EQ(s3_uri_encode("vehicle/date=2026-11-25/hour=03/a~b_c.parquet", true),
            "vehicle/date%3D2026-11-25/hour%3D03/a~b_c.parquet");
  EXPECT_EQ(s3_uri_encode("a/b c+d", false), "a%2Fb%20c%2Bd");
  EXPECT_EQ(s3_uri_encode("\xC3\xA9", true), "%C3%A9");
}

TEST(Sha256Hex, MatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(S3Xml, ReadsListingsAndErrors) {
  const std::string listing =
      "<ListBucketResult><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>a&amp;b</NextContinuationToken>"
      "<Contents><Key>x/1.parquet</Key><Size>10</Size></Contents>"
      "<Contents><Key>x/&lt;2&gt;.parquet</Key><Size>20</Size></Contents>"
      "<CommonPrefixes><Prefix>x/y/</Prefix></CommonPrefixes></ListBucketResult>";
  const auto entries = xml_elements(listing, "Contents");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(xml_value(entries[0], "Key"), "x/1.parquet");
  EXPECT_EQ(xml_value(entries[1], "Key"), "x/<2>.parquet");
  EXPECT_EQ(xml_value(entries[1], "Size"), "20");
  EXPECT_EQ(xml_value(listing, "IsTruncated"), "true");
  EXPECT_EQ(xml_value(listing, "NextContinuationToken"), "a&b");
  EXPECT_EQ(xml_value(listing, "Missing"), "");
  EXPECT_EQ(xml_value("<Error><Code>SlowDown</Code></Error>", "Code"), "SlowDown");
}

TEST(S3Xml, UnescapesNumericReferencesAndEscapesValues) {
  EXPECT_EQ(xml_unescape("&#65;&#x42;&quot;&apos;"), "AB\"'");
  EXPECT_EQ(xml_unescape("&#xE9;"), "\xC3\xA9");
  EXPECT_EQ(xml_escape("\"etag&<>\""), "&quot;etag&amp;&lt;&gt;&quot;");
}

}  // namespace
}  // namespace smartcity::lake
