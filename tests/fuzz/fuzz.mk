# tests/fuzz/fuzz.mk - libFuzzer harnesses; included by the main Makefile, whose
# variables it uses (BUILD, LIB_C, LIB_CXX, TESTLIB_SRCS, CPPFLAGS, PKG_CFLAGS, WARN,
# LDFLAGS, LDLIBS, CLI_SRCS).
#
#   make fuzz           build every harness, then fuzz each for FUZZ_SECONDS (default 60)
#                       in $(BUILD)/fuzz/corpus-NAME, a working copy of its committed
#                       corpus that keeps what earlier runs found (make -j2 fuzz runs two
#                       harnesses at once)
#   make fuzz-ci        fuzz each for FUZZ_CI_SECONDS (default 10) from the committed
#                       corpus; fails on any crash, leak, timeout or memory blow-up
#   make fuzz-regress   run every committed corpus input once, no fuzzing (seconds)
#   make fuzz-build     only build
#   make fuzz-coverage  line coverage of each harness over its corpus (llvm-cov)
#
# Every tests/fuzz/fuzz_NAME.c is one harness, built into $(BUILD)/fuzz/fuzz_NAME with
# clang's libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer; the library is
# compiled again for it (with coverage instrumentation) under $(BUILD)/fuzz/obj.
# tests/fuzz/corpus/fuzz_NAME/ holds its seeds and regression inputs, tests/fuzz/fuzz_NAME.dict
# its dictionary if there is one. Findings go to $(BUILD)/fuzz/artifacts/. The committed
# corpus is only ever read. docs/fuzzing.md describes each harness.

FUZZ_CC          ?= clang
FUZZ_CXX         ?= clang++
FUZZ_SECONDS     ?= 60
FUZZ_CI_SECONDS  ?= 10
# Debian 12: clang, and the compiler-rt package that holds libclang_rt.fuzzer (only
# recommended by clang, so missing after an install without recommends).
FUZZ_PKGS        := clang libclang-rt-14-dev

FUZZ_DIR       := $(BUILD)/fuzz
FUZZ_SAN       := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS    := -std=c11 -O1 -g $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_CXXFLAGS  := -std=c++17 -O1 -g $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_RUN_FLAGS := -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

FUZZ_SRCS      := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES     := $(FUZZ_SRCS:tests/fuzz/%.c=%)
FUZZ_BINS      := $(FUZZ_NAMES:%=$(FUZZ_DIR)/%)
FUZZ_LIB_OBJS  := $(LIB_C:%.c=$(FUZZ_DIR)/obj/%.o) $(LIB_CXX:%.cpp=$(FUZZ_DIR)/obj/%.o) \
                  $(PROTO_C:$(PROTO_GEN)/%.c=$(FUZZ_DIR)/obj/gen/%.o)
FUZZ_LIB       := $(FUZZ_DIR)/libiommusim-fuzz.a
# The tests' helpers (tests/lib/, e.g. the VCM platform), instrumented the same way; an
# archive, so a harness links only the helpers it uses.
FUZZ_TESTLIB   := $(FUZZ_DIR)/libiommusim-fuzz-tests.a
# The three trace harnesses share their body, and link a copy of the trace reader
# (sim/trace/trace.c and its format files) whose input buffer is FUZZ_TRACE_BUF bytes
# instead of 1 MiB, so that inputs of a few hundred bytes already cross buffer refills
# (records and lines split across reads).
FUZZ_TRACE_BINS := $(filter $(FUZZ_DIR)/fuzz_trace_%,$(FUZZ_BINS))
FUZZ_TRACE_BUF  := 256
FUZZ_TRACE_SRCS := $(wildcard sim/trace/trace.c sim/trace/trace_*.c)
FUZZ_TRACE_SMALL := $(FUZZ_TRACE_SRCS:sim/trace/%.c=$(FUZZ_DIR)/obj/sim/trace/%-smallbuf.o)
FUZZ_COV_TRACE_SMALL = $(FUZZ_TRACE_SRCS:sim/trace/%.c=$(FUZZ_COV_DIR)/obj/sim/trace/%-smallbuf.o)
# The importer harnesses share their body likewise, and link a copy of sim/trace/import.c
# whose input buffer is FUZZ_IMPORT_BUF bytes.
FUZZ_IMPORT_BINS := $(filter $(FUZZ_DIR)/fuzz_import_%,$(FUZZ_BINS))
FUZZ_IMPORT_BUF  := 256
# Sub-makes read the makefile that included this one ('+' on their recipe lines hands
# them the jobserver, which make does not do by itself for a $(MAKE) inside a variable).
FUZZ_MAKE      := $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST))

.PHONY: fuzz fuzz-ci fuzz-regress fuzz-build fuzz-check

# ---------------------------------------------------------------- tools
# A one-line harness must compile and link: that proves clang and its libFuzzer runtime.
fuzz-check:
	@mkdir -p $(FUZZ_DIR)
	@if ! command -v $(FUZZ_CC) >/dev/null 2>&1 || ! command -v $(FUZZ_CXX) >/dev/null 2>&1; then \
	  echo "clang is not installed; the fuzz targets need it:"; \
	  echo "  sudo apt-get install -y $(FUZZ_PKGS)"; exit 1; fi
	@printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
	  > $(FUZZ_DIR)/probe.c
	@if ! $(FUZZ_CC) -fsanitize=fuzzer,address,undefined $(FUZZ_DIR)/probe.c \
	     -o $(FUZZ_DIR)/probe >/dev/null 2>&1; then \
	  echo "$(FUZZ_CC) cannot link -fsanitize=fuzzer (the libFuzzer runtime is missing):"; \
	  echo "  sudo apt-get install -y $(FUZZ_PKGS)"; exit 1; fi

# ---------------------------------------------------------------- build
# Objects are written under a temporary name and renamed, as in the main Makefile;
# -MT names the real object in the dependency file (clang would name the temporary).
$(FUZZ_DIR)/obj/%.o: %.c | $(PROTO_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -MT $@ $(PKG_CFLAGS) $(FUZZ_CFLAGS) -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

$(FUZZ_DIR)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(CPPFLAGS) -MT $@ $(PKG_CFLAGS) $(FUZZ_CXXFLAGS) -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

# The code protoc-c generated (Makefile: PROTO_GEN), instrumented like the rest.
$(FUZZ_DIR)/obj/gen/%.o: $(PROTO_GEN)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -MT $@ $(PKG_CFLAGS) -std=c11 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	  -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

# Harness objects are kept (not removed as intermediate files after the link).
.SECONDARY: $(FUZZ_NAMES:%=$(FUZZ_DIR)/obj/tests/fuzz/%.o)

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_TESTLIB): $(TESTLIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_TRACE_SMALL): $(FUZZ_DIR)/obj/sim/trace/%-smallbuf.o: sim/trace/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -MT $@ $(PKG_CFLAGS) $(FUZZ_CFLAGS) -DTRACE_BUF_SIZE=$(FUZZ_TRACE_BUF) \
	  -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

$(FUZZ_DIR)/obj/sim/trace/import-smallbuf.o: sim/trace/import.c | $(PROTO_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -MT $@ $(PKG_CFLAGS) $(FUZZ_CFLAGS) -DIMP_BUF_SIZE=$(FUZZ_IMPORT_BUF) \
	  -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

# Objects before the archive: the small-buffer reader wins over the archive's.
$(FUZZ_TRACE_BINS): $(FUZZ_DIR)/obj/tests/fuzz/trace_common.o $(FUZZ_TRACE_SMALL)
$(FUZZ_IMPORT_BINS): $(FUZZ_DIR)/obj/tests/fuzz/import_common.o $(FUZZ_DIR)/obj/sim/trace/import-smallbuf.o

# The command-line harness calls the subcommands themselves (sim/cli/, which the
# library leaves out), instrumented like the library.
$(FUZZ_DIR)/fuzz_cli: $(CLI_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)

# Linked by clang++: sim/core/kernel.cpp's sanitizer checks need the C++ runtime of UBSan.
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_TESTLIB) $(FUZZ_LIB)
	$(FUZZ_CXX) $(FUZZ_SAN) -fsanitize=fuzzer $(filter %.o,$^) $(FUZZ_TESTLIB) $(FUZZ_LIB) \
	  $(LDFLAGS) $(LDLIBS) -o $@

fuzz-build: deps-check fuzz-check
	+@$(FUZZ_MAKE) fuzz-bins

.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BINS)
	@:

# ---------------------------------------------------------------- runs
# fuzz_run NAME CORPUS-DIRS SECONDS: one libFuzzer run, its log in $(FUZZ_DIR)/log-NAME.txt;
# prints the run's totals, or the end of the log when it found something.
define fuzz_run
	@mkdir -p $(FUZZ_DIR)/artifacts
	@dict=; [ -f tests/fuzz/$(1).dict ] && dict=-dict=tests/fuzz/$(1).dict; \
	echo "fuzz: $(1) for $(3) s"; \
	if $(FUZZ_DIR)/$(1) $(2) $$dict -max_total_time=$(3) $(FUZZ_RUN_FLAGS) \
	     -artifact_prefix=$(FUZZ_DIR)/artifacts/$(1)- > $(FUZZ_DIR)/log-$(1).txt 2>&1; then \
	  grep -E '^#[0-9]+.*cov: ' $(FUZZ_DIR)/log-$(1).txt | tail -n 1 | sed 's/^/  $(1): /'; \
	  grep -E '^stat::new_units_added' $(FUZZ_DIR)/log-$(1).txt | sed 's/^/  $(1): /'; \
	else \
	  echo "fuzz: $(1) FAILED (crash, leak, timeout or out of memory); log $(FUZZ_DIR)/log-$(1).txt:"; \
	  grep -E -A12 'ERROR|check failed|SUMMARY|Test unit written' $(FUZZ_DIR)/log-$(1).txt | head -n 60; \
	  exit 1; \
	fi
endef

fuzz: fuzz-build
	+@$(FUZZ_MAKE) $(FUZZ_NAMES:%=fuzz-run-%)

fuzz-run-%: $(FUZZ_DIR)/%
	@mkdir -p $(FUZZ_DIR)/corpus-$*
	@cp tests/fuzz/corpus/$*/* $(FUZZ_DIR)/corpus-$*/
	$(call fuzz_run,$*,$(FUZZ_DIR)/corpus-$*,$(FUZZ_SECONDS))

# New inputs go to a scratch directory given first; the committed corpus is read only.
fuzz-ci: fuzz-build
	+@$(FUZZ_MAKE) $(FUZZ_NAMES:%=fuzz-ci-%)

fuzz-ci-%: $(FUZZ_DIR)/%
	@rm -rf $(FUZZ_DIR)/ci-corpus-$* && mkdir -p $(FUZZ_DIR)/ci-corpus-$*
	$(call fuzz_run,$*,$(FUZZ_DIR)/ci-corpus-$* tests/fuzz/corpus/$*,$(FUZZ_CI_SECONDS))

# Given files (not a directory), libFuzzer runs each once and writes nothing.
fuzz-regress: fuzz-build
	@fail=0; for n in $(FUZZ_NAMES); do \
	  count=$$(ls tests/fuzz/corpus/$$n | wc -l); \
	  if $(FUZZ_DIR)/$$n -timeout=10 -rss_limit_mb=2048 tests/fuzz/corpus/$$n/* \
	       > $(FUZZ_DIR)/regress-$$n.txt 2>&1; then \
	    echo "fuzz-regress: $$n: $$count inputs ok"; \
	  else \
	    echo "fuzz-regress: $$n FAILED; log $(FUZZ_DIR)/regress-$$n.txt:"; \
	    grep -E -B2 -A12 'ERROR|check failed|SUMMARY' $(FUZZ_DIR)/regress-$$n.txt | head -n 60; \
	    fail=1; \
	  fi; \
	done; exit $$fail

# ---------------------------------------------------------------- coverage
# make fuzz-coverage: every harness built again with clang's source-based coverage
# (no sanitizers), run once over its committed corpus and, when there is one, the
# working corpus of `make fuzz` ($(FUZZ_DIR)/corpus-NAME); then the line coverage of
# each source file the harness reaches (llvm-cov report, files with any line run) in
# $(FUZZ_COV_DIR)/NAME.txt, and the totals on standard output. docs/fuzzing.md quotes
# them.
FUZZ_COV_DIR    := $(FUZZ_DIR)/cov
FUZZ_COV_FLAGS  := -fprofile-instr-generate -fcoverage-mapping
FUZZ_COV_CFLAGS := -std=c11 -O1 -g $(WARN) $(FUZZ_COV_FLAGS) -fsanitize=fuzzer-no-link
FUZZ_COV_CXXFLAGS := -std=c++17 -O1 -g $(WARN) $(FUZZ_COV_FLAGS) -fsanitize=fuzzer-no-link
FUZZ_COV_BINS   := $(FUZZ_NAMES:%=$(FUZZ_COV_DIR)/%)
FUZZ_COV_LIB    := $(FUZZ_COV_DIR)/libiommusim-cov.a
FUZZ_COV_TESTLIB := $(FUZZ_COV_DIR)/libiommusim-cov-tests.a
LLVM_PROFDATA   ?= llvm-profdata
LLVM_COV        ?= llvm-cov

.PHONY: fuzz-coverage fuzz-cov-bins

$(FUZZ_COV_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -MT $@ $(PKG_CFLAGS) $(FUZZ_COV_CFLAGS) -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

$(FUZZ_COV_DIR)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(CPPFLAGS) -MT $@ $(PKG_CFLAGS) $(FUZZ_COV_CXXFLAGS) -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

$(FUZZ_COV_TRACE_SMALL): $(FUZZ_COV_DIR)/obj/sim/trace/%-smallbuf.o: sim/trace/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -MT $@ $(PKG_CFLAGS) $(FUZZ_COV_CFLAGS) -DTRACE_BUF_SIZE=$(FUZZ_TRACE_BUF) \
	  -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

.SECONDARY: $(FUZZ_NAMES:%=$(FUZZ_COV_DIR)/obj/tests/fuzz/%.o)

$(FUZZ_COV_LIB): $(LIB_C:%.c=$(FUZZ_COV_DIR)/obj/%.o) $(LIB_CXX:%.cpp=$(FUZZ_COV_DIR)/obj/%.o)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_COV_TESTLIB): $(TESTLIB_SRCS:%.c=$(FUZZ_COV_DIR)/obj/%.o)
	rm -f $@ && ar rcs $@ $^

$(filter $(FUZZ_COV_DIR)/fuzz_trace_%,$(FUZZ_COV_BINS)): \
  $(FUZZ_COV_DIR)/obj/tests/fuzz/trace_common.o $(FUZZ_COV_TRACE_SMALL)
$(FUZZ_COV_DIR)/fuzz_cli: $(CLI_SRCS:%.c=$(FUZZ_COV_DIR)/obj/%.o)

$(FUZZ_COV_DIR)/fuzz_%: $(FUZZ_COV_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_COV_TESTLIB) $(FUZZ_COV_LIB)
	$(FUZZ_CXX) $(FUZZ_COV_FLAGS) -fsanitize=fuzzer $(filter %.o,$^) $(FUZZ_COV_TESTLIB) \
	  $(FUZZ_COV_LIB) $(LDFLAGS) $(LDLIBS) -o $@

fuzz-cov-bins: $(FUZZ_COV_BINS)
	@:

fuzz-coverage: deps-check fuzz-check
	+@$(FUZZ_MAKE) fuzz-cov-bins
	@for n in $(FUZZ_NAMES); do \
	  rm -f $(FUZZ_COV_DIR)/$$n-*.profraw; \
	  inputs="tests/fuzz/corpus/$$n"; [ -d $(FUZZ_DIR)/corpus-$$n ] && inputs="$$inputs $(FUZZ_DIR)/corpus-$$n"; \
	  LLVM_PROFILE_FILE=$(CURDIR)/$(FUZZ_COV_DIR)/$$n-%p.profraw \
	    $(FUZZ_COV_DIR)/$$n -runs=0 -timeout=20 $$inputs > $(FUZZ_COV_DIR)/run-$$n.txt 2>&1 \
	    || { echo "fuzz-coverage: $$n failed on its corpus: $(FUZZ_COV_DIR)/run-$$n.txt"; exit 1; }; \
	  $(LLVM_PROFDATA) merge -sparse $(FUZZ_COV_DIR)/$$n-*.profraw -o $(FUZZ_COV_DIR)/$$n.profdata || exit 1; \
	  $(LLVM_COV) report $(FUZZ_COV_DIR)/$$n -instr-profile=$(FUZZ_COV_DIR)/$$n.profdata \
	    $(LIB_C) $(CLI_SRCS) 2>/dev/null \
	  | awk 'NR > 2 && $$1 != "TOTAL" && $$1 !~ /^-/ && NF >= 13 && $$9 != $$8 { \
	      printf "%-28s %6d lines %7s\n", $$1, $$8, $$10; lines += $$8; missed += $$9 } \
	      END { printf "%-28s %6d lines %6.2f%%\n", "TOTAL (files reached)", lines, \
	            lines ? 100 * (lines - missed) / lines : 0 }' > $(FUZZ_COV_DIR)/$$n.txt; \
	  echo "fuzz-coverage: $$n: $$(tail -n 1 $(FUZZ_COV_DIR)/$$n.txt | sed 's/  */ /g')"; \
	done
