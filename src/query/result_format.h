// Writing a QueryResult for people and for other tools:
// - table: aligned columns for a terminal;
// - csv: what Athena's result files look like (a header row, every value in
//   double quotes, quotes doubled, NULL as an empty unquoted field), so the
//   seed's CSV hand-off to a BI tool keeps working;
// - json: an array of objects, numbers and booleans unquoted, NULL as null.
#pragma once

#include <ostream>
#include <string>

#include "query/lake_query.h"

namespace smartcity::query {

enum class ResultFormat { kTable, kCsv, kJson };

void write_result(const QueryResult& result, ResultFormat format, std::ostream& out);

}  // namespace smartcity::query
