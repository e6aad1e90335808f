# Every third-party library smartcity links, found once here so that module
# CMakeLists only name imported targets.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(simdjson REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 QUIET)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
# SHA-256 of S3 request bodies (x-amz-content-sha256); libcurl signs the rest.
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)

# Debian ships CLI11 as headers only, sometimes without a CMake package; an
# INTERFACE target keeps call sites uniform either way.
if(NOT TARGET CLI11::CLI11)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
endif()
# Debian builds cpp-httplib as a shared library; its pkg-config entry carries
# the feature macros the header must see (they change class layouts).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_library(smartcity_httplib INTERFACE)
target_link_libraries(smartcity_httplib INTERFACE PkgConfig::HTTPLIB)

# DuckDB 1.4.4: libduckdb.so and duckdb.h unpacked by scripts/install-deps from
# the two pinned npm tarballs (checked against SHA-256 sums there).
set(SMARTCITY_DUCKDB_DIR "${SMARTCITY_DEPS_DIR}/duckdb")
if(NOT EXISTS "${SMARTCITY_DUCKDB_DIR}/lib/libduckdb.so")
  message(FATAL_ERROR "DuckDB not found in ${SMARTCITY_DUCKDB_DIR}: run scripts/install-deps")
endif()
add_library(DuckDB::duckdb SHARED IMPORTED)
set_target_properties(DuckDB::duckdb PROPERTIES
  IMPORTED_LOCATION "${SMARTCITY_DUCKDB_DIR}/lib/libduckdb.so"
  INTERFACE_INCLUDE_DIRECTORIES "${SMARTCITY_DUCKDB_DIR}/include")
# The binary finds libduckdb.so next to the cache, wherever the tree is.
set(CMAKE_BUILD_RPATH "${SMARTCITY_DUCKDB_DIR}/lib")
