# Thin facade over Meson.  The two commands a newcomer needs:
#   make demo    set up, build, import the sample data, evaluate, serve
#   make check   set up, build with sanitizers, run every test
# Everything else is Meson/Ninja (see docs/CONTRIBUTING.md).

BUILD      ?= build
SANBUILD   ?= build-san
DEMO_DIR   ?= demo
DEMO_DB    ?= $(DEMO_DIR)/vigil.db
LISTEN     ?= 127.0.0.1:8080
MESON_TEST_ARGS ?=

.PHONY: all demo check build build-san bootstrap clean valgrind

all: build

bootstrap:
	@sh scripts/bootstrap.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release -Db_ndebug=true

build: bootstrap $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(SANBUILD)/build.ninja:
	meson setup $(SANBUILD) --buildtype=debugoptimized -Db_sanitize=address,undefined \
	    -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all

build-san: bootstrap $(SANBUILD)/build.ninja
	ninja -C $(SANBUILD)

# Every test (unit + CLI + lint) under ASan/UBSan, then the CLI under valgrind
# from the release build; the last line is the summary CI reads.
check: build-san build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    meson test -C $(SANBUILD) --print-errorlogs --num-processes 2 $(MESON_TEST_ARGS) \
	    >$(SANBUILD)/check.log 2>&1; status=$$?; \
	    tail -n 40 $(SANBUILD)/check.log; \
	    meson test -C $(BUILD) --suite valgrind --print-errorlogs >$(BUILD)/valgrind.log 2>&1; \
	    vstatus=$$?; tail -n 5 $(BUILD)/valgrind.log; \
	    sh scripts/test-summary.sh $(SANBUILD) $(BUILD); summary=$$?; \
	    [ $$status -eq 0 ] && [ $$vstatus -eq 0 ] && [ $$summary -eq 0 ]

demo: build
	@sh scripts/demo.sh $(BUILD)/src/cli/vigil $(DEMO_DB) $(LISTEN)

clean:
	rm -rf $(BUILD) $(SANBUILD) $(DEMO_DIR)
