# harness/bench/bench.mk: make bench: what the tracker and the harness
# cost, how they scale, and what DELETE costs against WAL under readers.
# Included by the top-level Makefile after every fragment whose programs it
# runs.
#
#   make bench                  the full run, about 9 to 10 minutes on 2 cores (556 s measured)
#   make bench BENCH_QUICK=1    a short run, to try it (under a minute)
#   make bench-smoke            the short run, checked, for CI (under a
#                               minute; fails if a part breaks)
#
# Every program comes from $(BUILD) (make bench BUILD=dir: dir throughout,
# the make reproduce it runs included).
#
# Results: results/bench/<timestamp>/ (CSV files and summary.md), and the
# summary on stdout. harness/bench/README.md says what each part measures.
#
# Expects: BUILD, CC, CFLAGS, LDFLAGS, LDLIBS, TRACKER_LIB; MPIRUN,
#          MPIRUN_ENV (harness/trackhammer/trackhammer.mk).
# Defines: BENCH_PROGRAMS (appended to PROGRAMS); the targets bench,
#          bench-smoke and bench-programs.

BENCH_DIR      := harness/bench
BENCH_COMMON   := $(BUILD)/$(BENCH_DIR)/lifecycle.o
BENCH_PROGRAMS := $(BUILD)/bench_overhead $(BUILD)/bench_readload \
                  $(BUILD)/bench_batch

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

# The bench's recipe; $(1): extra arguments of bench.py.
BENCH_RUN = $(MPIRUN_ENV) python3 $(BENCH_DIR)/bench.py --build $(BUILD) \
	    --local-dir $(BENCH_LOCAL_DIR) --tmpfs-dir $(BENCH_TMPFS_DIR) \
	    --mpirun "$(MPIRUN)" --make "$(MAKE)" $(1)
BENCH_NEEDS = deps-check $(BENCH_PROGRAMS) $(TRACKHAMMER) $(FAULTFS_EXT) \
              $(FAULTFS_FIT)

bench: $(BENCH_NEEDS)
	$(call BENCH_RUN,--out $(BENCH_OUT) $(if $(BENCH_QUICK),--quick) \
	    $(BENCH_ARGS))

# make bench-smoke: the quick run of every part with --check, for CI: it
# fails (non-zero status, CHECK FAILED on stderr) when bench.py or a bench
# program breaks, or a part leaves a file, a section or a figure missing.
# It never judges a time. Its results go to $(BUILD)/bench-smoke/.
bench-smoke: $(BENCH_NEEDS)
	$(call BENCH_RUN,--out $(BUILD)/bench-smoke --quick --check $(BENCH_ARGS))
.PHONY: bench bench-smoke bench-programs
