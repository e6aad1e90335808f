# The two commands a newcomer needs are `make demo` and `make test`; each one
# installs what it needs first (scripts/install-deps is idempotent).
.PHONY: all release debug fuzz deps demo test unit-test format format-check clean

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

# The decoder's libFuzzer target, built with clang and run for FUZZ_SECONDS
# from the committed seed corpus (copied, so new inputs stay out of git).
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@rm -rf build/fuzz/corpus && mkdir -p build/fuzz/corpus && cp tests/fuzz/corpus/* build/fuzz/corpus/
	@build/fuzz/tests/fuzz/record_decoder_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -print_final_stats=1 build/fuzz/corpus 2>build/fuzz/fuzz.log || (tail -50 build/fuzz/fuzz.log; exit 1)
	@grep -E 'stat::number_of_executed_units|Done' build/fuzz/fuzz.log | tail -2

demo: release
	build/release/smartcity demo $(DEMO_ARGS)

# Everything: formatting, every test on the optimised build (unit, real Kafka,
# Python readers), and the unit tests again under AddressSanitizer and UBSan.
test: format-check release debug fuzz
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
