#include "base/errors.h"

#include <cerrno>
#include <cstring>

namespace smartcity {

std::string errno_message(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace smartcity
