#include "query/result_format.h"

#include <algorithm>

#include "events/wire_format.h"

namespace smartcity::query {
namespace {

void write_csv_field(const std::string& text, std::ostream& out) {
  out << '"';
  for (char c : text) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

void write_csv(const QueryResult& result, std::ostream& out) {
  for (std::size_t c = 0; c < result.columns.size(); ++c) {
    if (c > 0) out << ',';
    write_csv_field(result.columns[c], out);
  }
  out << '\n';
  for (const auto& row : result.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) out << ',';
      if (row[c]) write_csv_field(*row[c], out);
    }
    out << '\n';
  }
}

void write_json(const QueryResult& result, std::ostream& out) {
  std::string text = "[";
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    text += r == 0 ? "\n  {" : ",\n  {";
    for (std::size_t c = 0; c < result.columns.size(); ++c) {
      if (c > 0) text += ", ";
      events::append_json_string(result.columns[c], false, text);
      text += ": ";
      const auto& value = result.rows[r][c];
      if (!value) {
        text += "null";
      } else if (result.kinds[c] == ValueKind::kText) {
        events::append_json_string(*value, false, text);
      } else if (result.kinds[c] == ValueKind::kBoolean) {
        text += *value == "true" ? "true" : "false";
      } else if (*value == "nan" || *value == "inf" || *value == "-inf") {
        text += "null";  // JSON has no NaN or infinity
      } else {
        text += *value;
      }
    }
    text += "}";
  }
  text += result.rows.empty() ? "]\n" : "\n]\n";
  out << text;
}

void write_table(const QueryResult& result, std::ostream& out) {
  std::vector<std::size_t> widths;
  for (const std::string& column : result.columns)
    widths.push_back(column.size());
  for (const auto& row : result.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], row[c] ? row[c]->size() : 4);
    }
  }
  auto line = [&] {
    for (std::size_t c = 0; c < widths.size(); ++c)
      out << '+' << std::string(widths[c] + 2, '-');
    out << "+\n";
  };
  auto cells = [&](const auto& get, const auto& right_align) {
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const std::string text = get(c);
      const std::string pad(widths[c] - text.size(), ' ');
      out << "| " << (right_align(c) ? pad + text : text + pad) << ' ';
    }
    out << "|\n";
  };
  line();
  cells([&](std::size_t c) { return result.columns[c]; }, [](std::size_t) { return false; });
  line();
  for (const auto& row : result.rows) {
    cells([&](std::size_t c) { return row[c] ? *row[c] : std::string("NULL"); },
          [&](std::size_t c) { return result.kinds[c] == ValueKind::kNumber; });
  }
  line();
  out << result.rows.size() << (result.rows.size() == 1 ? " row" : " rows") << '\n';
}

}  // namespace

void write_result(const QueryResult& result, ResultFormat format, std::ostream& out) {
  switch (format) {
    case ResultFormat::kTable:
      write_table(result, out);
      return;
    case ResultFormat::kCsv:
      write_csv(result, out);
      return;
    case ResultFormat::kJson:
      write_json(result, out);
      return;
  }
}

}  // namespace smartcity::query
