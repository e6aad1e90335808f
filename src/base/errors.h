// Operational failures: I/O, network, configuration, bad flags. They are thrown
// as one of these types and caught once, in src/app/main.cpp, which prints the
// message as one line and exits non-zero. Bad *data* is never thrown: it becomes
// a dead letter (see src/stream/). Broken invariants use SMARTCITY_CHECK.
//
// Messages are written for the person at the terminal: say what failed and
// what to do about it, without a "error:" prefix (main adds that).
#pragma once

#include <stdexcept>
#include <string>

namespace smartcity {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A flag or argument the user gave is wrong; exits 2 after the usage hint.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A local file or folder could not be read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

// The Kafka cluster is unreachable or refused a request.
class KafkaError : public Error {
 public:
  using Error::Error;
};

// The lake (local folder or object store) refused or failed an operation.
class StorageError : public Error {
 public:
  using Error::Error;
};

// The lake's store refused a request for a reason that asking again will not
// change (access denied, no such bucket): no point waiting for it.
class StorageRefusedError : public StorageError {
 public:
  using StorageError::StorageError;
};

// A SQL statement was refused by the sandbox or failed in DuckDB.
class QueryError : public Error {
 public:
  using Error::Error;
};

// Builds "WHAT: strerror(errno)" for an IoError after a failed system call.
std::string errno_message(const std::string& what);

}  // namespace smartcity
