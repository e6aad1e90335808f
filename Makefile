# The two commands a newcomer needs are `make demo` and `make test`; each one
# installs what it needs first (scripts/install-deps is idempotent).
.PHONY: all release debug deps demo test unit-test format format-check clean

JOBS ?= $(shell nproc)
SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.cpp' '*.h' 2>/dev/null)

all: release

deps:
	@scripts/install-deps

release: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

debug: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS)

demo: release
	build/release/smartcity demo $(DEMO_ARGS)

# Everything: formatting, every test on the optimised build (unit, real Kafka,
# Python readers), and the unit tests again under AddressSanitizer and UBSan.
test: format-check release debug
	@ctest --preset release -j 2 --timeout 900
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset debug -j 2 --timeout 900

unit-test: release
	@ctest --preset release -L unit -j $(JOBS)

format:
	@clang-format -i $(SOURCES)

format-check: deps
	@clang-format --dry-run --Werror $(SOURCES) && echo "format-check: $(words $(SOURCES)) files formatted"

clean:
	rm -rf build
