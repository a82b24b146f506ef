# The README's two commands: `make run` and `make test`. CMake does the real work.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOST_WERROR=ON

.PHONY: all deps deps-test build run test test-asan test-tsan bench install clean soak test-interop
.PHONY: bench-wan bench-scale chaos bench-udp
.PHONY: bench-limits

all: build

deps:
	@bash scripts/install-deps.sh build

deps-test:
	@bash scripts/install-deps.sh test

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# Quiet: the build goes to $(BUILD)/build.log (V=1 shows it); the demo prints three useful lines.
run: deps
ifeq ($(V),1)
	@$(MAKE) --no-print-directory build
else
	@mkdir -p $(BUILD); echo "building libgost (log: $(BUILD)/build.log; V=1 to show it)..."
	@$(MAKE) --no-print-directory build >$(BUILD)/build.log 2>&1 || { tail -n 30 $(BUILD)/build.log; exit 1; }
endif
	@bash examples/run-demo.sh $(BUILD)

test: deps-test
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	@bash scripts/valgrind-unit.sh $(BUILD)
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-tsan

# One ASan+UBSan run of the suite (Python is skipped there: the interpreter is not instrumented).
test-asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DGOST_WERROR=ON -DGOST_SANITIZE=address,undefined >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && GOST_NO_PYTHON=1 ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j$(JOBS) -E 'python|abi|install'

# ThreadSanitizer over the threaded paths: gost_ctx_stop from another thread, contexts on
# parallel threads, Python run_in_thread (scripts/tsan.sh). Part of `make test`: it builds only
# the library and one test (about 35 s from scratch on two cores).
TSAN_BUILD ?= build-tsan
test-tsan:
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DGOST_WERROR=ON -DGOST_SANITIZE=thread >/dev/null
	@cmake --build $(TSAN_BUILD) -j$(JOBS) --target libgost check_threads
	@bash scripts/tsan.sh $(TSAN_BUILD)

# Against real stock GOST (tests/interop): make test-interop STOCK_GOST=… STOCK_GOST_RC5=…
test-interop: build
	@STOCK_GOST="$(STOCK_GOST)" STOCK_GOST_RC5="$(STOCK_GOST_RC5)" GOST_BIN=$(BUILD)/gost bash tests/interop/run.sh "$(INTEROP)"

# Long mixed-load soak of a tunnel server (not in CI; docs/limits.md): SOAK_S seconds (default
# 3600) of HTTP, TCP and UDP through a tunnel with abandoned and slow readers, client kill -9
# every few seconds and a server restart; then 1000 client reconnect cycles.
soak: build
	@python3 scripts/soak.py $(BUILD)/gost $(or $(SOAK_S),3600)
	@RECONNECT_CYCLES=$(or $(RECONNECT_CYCLES),1000) GOST_BUILD_DIR=$(BUILD) bash tests/sh/test_reconnect_cycles.sh

bench: build
	@bash scripts/install-deps.sh bench
	@bash bench/run.sh $(BUILD)
	@bash bench/cluster.sh $(BUILD)

install: build
	@cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)


# perf: long benchmarks and the WAN chaos run, never part of `make test` (docs/performance.md).
bench-wan: build
	@bash scripts/install-deps.sh bench
	@cmake --build $(BUILD) --target gost_linkemu >/dev/null
	@bash bench/wan.sh $(BUILD)

bench-scale: build
	@bash bench/scale.sh $(BUILD)

# UDP at 1 Gbit/s through a forward and a tunnel, A/B between gost binaries (BASE=path/to/gost
# adds the comparison; docs/performance.md "UDP at 1 Gbit/s").
bench-udp: build
	@bash bench/udp-ab.sh $(if $(BASE),base=$(BASE)) this=$(BUILD)/gost

# limiters (docs/limiters.md): a 10 MB/s limit over 5 s, an unlimited neighbour beside it (~40 s)
bench-limits: build
	@bash scripts/install-deps.sh bench
	@bash bench/limits.sh $(BUILD)

chaos: build
	@cmake --build $(BUILD) --target gost_linkemu >/dev/null
	@GOST_BUILD_DIR=$(BUILD) CHAOS_LONG=1 bash tests/sh/test_wan_chaos.sh
