# harness/bench.mk: make bench (issue 7): what the tracker and the harness
# cost, how they scale, and what DELETE costs against WAL under readers.
# Included by the top-level Makefile (harness/*.mk, in name order: after
# faultfs.mk, before trackhammer.mk, so the mpirun settings are read when
# the recipe runs, not here).
#
#   make bench                  the full run, about 5 minutes on 2 cores
#   make bench BENCH_QUICK=1    a short run, to try it (under a minute)
#
# Results: results/bench/<timestamp>/ (CSV files and summary.md), and the
# summary on stdout. harness/bench/README.md says what each part measures.
#
# Expects: BUILD, CC, CFLAGS, LDFLAGS, LDLIBS, TRACKER_LIB; TRACKHAMMER,
#          FAULTFS_EXT, MPIRUN, MPIRUN_ENV (harness/trackhammer.mk).
# Defines: BENCH_PROGRAMS (appended to PROGRAMS); the targets bench and
#          bench-programs.

BENCH_DIR      := harness/bench
BENCH_COMMON   := $(BUILD)/$(BENCH_DIR)/lifecycle.o
BENCH_PROGRAMS := $(BUILD)/bench_overhead $(BUILD)/bench_readload

# Built by `make` too, so every compiler and sanitizer build of CI
# compiles them; only `make bench` runs them.
PROGRAMS += $(BENCH_PROGRAMS)

# Where the bench's databases live: a local disk and a tmpfs.
BENCH_LOCAL_DIR ?= $(or $(TMPDIR),/tmp)
BENCH_TMPFS_DIR ?= /dev/shm
BENCH_OUT       ?= results/bench
BENCH_QUICK     ?=
BENCH_ARGS      ?=

$(BUILD)/$(BENCH_DIR)/%.o: CFLAGS += -Itracker
$(BENCH_PROGRAMS): $(BUILD)/bench_%: $(BUILD)/$(BENCH_DIR)/bench_%.o $(BENCH_COMMON) $(TRACKER_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench-programs: $(BENCH_PROGRAMS)

bench: deps-check $(BENCH_PROGRAMS) $(TRACKHAMMER) $(FAULTFS_EXT)
	$(MPIRUN_ENV) python3 $(BENCH_DIR)/bench.py --build $(BUILD) \
	    --out $(BENCH_OUT) --local-dir $(BENCH_LOCAL_DIR) \
	    --tmpfs-dir $(BENCH_TMPFS_DIR) --mpirun "$(MPIRUN)" \
	    --make "$(MAKE)" $(if $(BENCH_QUICK),--quick) $(BENCH_ARGS)
.PHONY: bench bench-programs
