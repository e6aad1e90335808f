// Reading the few fields smartcity needs from S3's XML responses (listings,
// multipart upload ids, error codes). S3 sends flat, machine-written XML with
// no attributes that matter, CDATA or comments, so a scan for <Tag>…</Tag> is
// enough and keeps an XML library out of the build.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smartcity::lake {

// The raw text of every <tag>…</tag> element in `xml`, in order, outer
// elements included as they are (use it to split a listing into entries).
std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag);

// The unescaped text of the first <tag>…</tag> element, or "" if none.
std::string xml_value(std::string_view xml, std::string_view tag);

// `text` with &amp; &lt; &gt; &quot; &apos; and numeric references decoded.
std::string xml_unescape(std::string_view text);

// `text` with & < > escaped, for values put into a request body.
std::string xml_escape(std::string_view text);

}  // namespace smartcity::lake
