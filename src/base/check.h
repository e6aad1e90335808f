// CHECK: the path for broken invariants. A failed check is a bug in smartcity,
// not bad input and not an operational failure, so it prints where and why and
// aborts (leaving a core and a stack for the sanitizers) instead of throwing.
#pragma once

#include <string_view>

namespace smartcity {

// Prints "smartcity: CHECK failed at FILE:LINE: EXPR: MESSAGE" and aborts.
[[noreturn]] void check_failed(const char* file, int line, const char* expression,
                               std::string_view message);

}  // namespace smartcity

#define SMARTCITY_CHECK(condition, message)                                 \
  do {                                                                      \
    if (!(condition)) [[unlikely]] {                                        \
      ::smartcity::check_failed(__FILE__, __LINE__, #condition, (message)); \
    }                                                                       \
  } while (false)
