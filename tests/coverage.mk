# tests/coverage.mk - `make coverage`: line coverage of the models and the VCM layer.
#
# Included by the main Makefile (after its variables), so it builds with the same
# rules: the library, the iommusim program and every test program are rebuilt with
# gcc's --coverage at -O0 under $(BUILD)/coverage, the whole test suite runs there
# (with IOMMUSIM pointing at that build's program, so the command-line tests count
# too), and gcov reads the counts back.
#
# The report is one row per file under models/ and vcm/ (headers with inline code
# included): lines executed, executable lines, percentage; then the totals for
# models/, vcm/ and, for information only, sim/ (sim/cli/ included). The target
# fails if the models/ or vcm/ total is below COVERAGE_MIN percent, or if a test
# program fails. Unexecuted lines are listed, as FILE:LINE: SOURCE, in
# $(BUILD)/coverage/uncovered.txt. See docs/coverage.md.
#
# A line counts once however many objects carry it (an inline function in a header
# is compiled into every object that includes it): it is executable if any object
# has code for it and executed if any object ran it.

COVERAGE_MIN   ?= 90
COVERAGE_BUILD  = $(BUILD)/coverage
# Directories held to COVERAGE_MIN, and the ones only reported.
COVERAGE_GATED := models vcm
COVERAGE_SHOWN := sim
COVERAGE_NOTHING :=
COVERAGE_SPACE   := $(COVERAGE_NOTHING) $(COVERAGE_NOTHING)

# Every object of the program and library. The Makefile compiles x.c to x.o.tmpN and
# renames it; gcc names the notes file after that output less its last suffix, so
# x.o.gcno (and the counts file x.o.gcda). Giving gcov the notes files, not the counts
# files, keeps an object that no program ran in the figures, with all of its lines
# unexecuted.
COVERAGE_SRCS   = $(LIB_C) $(LIB_CXX) $(CLI_SRCS) $(wildcard sim/main.c)
COVERAGE_NOTES  = $(addsuffix .o.gcno,$(addprefix $(COVERAGE_BUILD)/,$(basename $(COVERAGE_SRCS))))

# Pass 1 reads gcov's annotated listing (gcov -t: "COUNT:LINE:SOURCE" rows after a
# "-:0:Source:FILE" header per file; COUNT is "-" for a line without code, "#####" or
# "=====" for code never run, else the run count, "*"-suffixed when part of the line
# never ran) and prints "FILE EXECUTED TOTAL" per file of the repository, and the
# unexecuted lines of the gated directories to UNCOVERED.
define COVERAGE_MERGE_AWK
BEGIN { FS = ":" }
/^ *-: *0:Source:/ {
	src = $$0; sub(/^ *-: *0:Source:/, "", src)
	keep = (src ~ /^(models|vcm|sim)\//); next
}
!keep { next }
{
	count = $$1; gsub(/ /, "", count)
	line = $$2; gsub(/ /, "", line)
	if (line !~ /^[0-9]+$$/ || line == "0") next
	if (count !~ /^([0-9]+\*?|#####|=====)$$/) next
	key = src SUBSEP line
	if (!(key in seen)) {
		seen[key] = 1; total[src]++
		text = $$0; sub(/^[^:]*:[^:]*:/, "", text); code[key] = text
	}
	if (count ~ /^[0-9]/ && !(key in hit)) { hit[key] = 1; done[src]++ }
}
END {
	for (f in total) printf "%s %d %d\n", f, done[f], total[f]
	for (key in seen) {
		if (key in hit) continue
		split(key, part, SUBSEP)
		if (part[1] ~ gated)
			printf "%s:%d:%s\n", part[1], part[2], code[key] > uncovered
	}
}
endef

# Pass 2 turns the sorted "FILE EXECUTED TOTAL" rows into the table and the totals,
# and exits 1 if a gated directory is under the minimum (or has no lines at all).
define COVERAGE_TABLE_AWK
function pct(e, t) { return t ? 100 * e / t : 0 }
function row(name, e, t) { printf "  %-28s %6d / %-6d %6.2f%%\n", name, e, t, pct(e, t) }
BEGIN {
	printf "  %-28s %15s %7s\n", "file", "lines run/total", "cover"
	ng = split(gatedlist, g, " "); ns = split(shownlist, s, " ")
}
{
	dir = $$1; sub(/\/.*/, "", dir)
	sum_e[dir] += $$2; sum_t[dir] += $$3
	for (i = 1; i <= ng; i++) if (dir == g[i]) row($$1, $$2, $$3)
}
END {
	print ""
	bad = 0
	for (i = 1; i <= ng; i++) {
		d = g[i]; row(d "/ total", sum_e[d], sum_t[d])
		if (!sum_t[d] || sum_e[d] * 100 < min * sum_t[d]) {
			printf "  %s/ is below the minimum of %s%%\n", d, min; bad = 1
		}
	}
	for (i = 1; i <= ns; i++) { d = s[i]; row(d "/ total (no minimum)", sum_e[d], sum_t[d]) }
	exit bad
}
endef

.PHONY: coverage
coverage: export COVERAGE_MERGE = $(COVERAGE_MERGE_AWK)
coverage: export COVERAGE_TABLE = $(COVERAGE_TABLE_AWK)
coverage: deps
	@# Counts from an earlier run (or from objects since rebuilt) must not add in.
	@if [ -d $(COVERAGE_BUILD) ]; then find $(COVERAGE_BUILD) -name '*.gcda' -exec rm -f {} +; fi
	@tests=0; gate=; $(MAKE) --no-print-directory BUILD=$(COVERAGE_BUILD) OPT=-O0 SAN=--coverage test \
	  || tests=$$?; \
	for n in $(COVERAGE_NOTES); do \
	  [ -f $$n ] || { echo "coverage: $$n is missing (did the build fail?)"; exit 1; }; done; \
	echo; echo "line coverage (gcov), minimum $(COVERAGE_MIN)% for: $(COVERAGE_GATED)"; \
	rm -f $(COVERAGE_BUILD)/uncovered.txt.tmp; \
	gcov -t $(COVERAGE_NOTES) 2>$(COVERAGE_BUILD)/gcov.log \
	  | awk -v gated='^($(subst $(COVERAGE_SPACE),|,$(COVERAGE_GATED)))/' \
	        -v uncovered=$(COVERAGE_BUILD)/uncovered.txt.tmp "$$COVERAGE_MERGE" \
	  | LC_ALL=C sort -k1,1 \
	  | awk -v min=$(COVERAGE_MIN) -v gatedlist='$(COVERAGE_GATED)' \
	        -v shownlist='$(COVERAGE_SHOWN)' "$$COVERAGE_TABLE" || gate=1; \
	touch $(COVERAGE_BUILD)/uncovered.txt.tmp; \
	LC_ALL=C sort -t: -k1,1 -k2,2n $(COVERAGE_BUILD)/uncovered.txt.tmp >$(COVERAGE_BUILD)/uncovered.txt; \
	rm -f $(COVERAGE_BUILD)/uncovered.txt.tmp; \
	echo "unexecuted lines: $(COVERAGE_BUILD)/uncovered.txt"; \
	[ $$tests = 0 ] || { echo "coverage: the test suite failed"; exit 1; }; \
	[ -z "$$gate" ] || { echo "coverage: below COVERAGE_MIN=$(COVERAGE_MIN)%"; exit 1; }
