# harness/trackhammer/trackhammer.mk: the MPI program trackhammer.
#
# MPI flags come from the MPI compiler wrapper (Open MPI's --showme, MPICH's
# -compile_info/-link_info), so the cluster's module MPI builds it as is;
# the compiler stays $(CC).

MPICC ?= mpicc
MPI_CFLAGS := $(shell $(MPICC) --showme:compile 2>/dev/null || $(MPICC) -compile_info 2>/dev/null | cut -d' ' -f2- | tr ' ' '\n' | grep '^-I' | tr '\n' ' ')
MPI_LIBS   := $(shell $(MPICC) --showme:link 2>/dev/null || $(MPICC) -link_info 2>/dev/null | cut -d' ' -f2- | tr ' ' '\n' | grep -E '^-(L|l|Wl)' | tr '\n' ' ')

TRACKHAMMER_DIR     := harness/trackhammer
TRACKHAMMER_SOURCES := $(wildcard $(TRACKHAMMER_DIR)/*.c)
TRACKHAMMER_OBJECTS := $(TRACKHAMMER_SOURCES:%.c=$(BUILD)/%.o)
TRACKHAMMER         := $(BUILD)/trackhammer

PROGRAMS += $(TRACKHAMMER)

$(BUILD)/$(TRACKHAMMER_DIR)/%.o: CFLAGS += $(MPI_CFLAGS) -I$(FAULTFS_DIR) -Itracker $(COMMAND_LINE_CFLAGS)
$(TRACKHAMMER): $(TRACKHAMMER_OBJECTS) $(COMMAND_LINE_OBJECT) $(FAULTFS_LIB) $(TRACKER_LIB) | $(FAULTFS_EXT) $(FAULTFS_FIT)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(MPI_LIBS) $(FAULTFS_LDLIBS)

# Stop early with the one command that would provide MPI.
deps-check-mpi:
	@command -v $(MPICC) >/dev/null || { echo "missing MPI: sudo apt-get install libopenmpi-dev openmpi-bin" >&2; exit 1; }
deps-check: deps-check-mpi
.PHONY: deps-check-mpi

install-trackhammer: $(TRACKHAMMER)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(TRACKHAMMER) $(DESTDIR)$(PREFIX)/bin/
INSTALL_TARGETS += install-trackhammer
.PHONY: install-trackhammer

# The end-to-end test runs mpirun on the built program and the Python job.
TRACKHAMMER_TEST := $(BUILD)/$(TRACKHAMMER_DIR)/tests/test_trackhammer
$(BUILD)/$(TRACKHAMMER_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS)
$(BUILD)/$(TRACKHAMMER_DIR)/tests/%.o: CPPFLAGS += \
    -DTRACKHAMMER_BIN='"$(abspath $(TRACKHAMMER))"' \
    -DPYTHON_JOB='"$(abspath harness/jobs/python_job.py)"' \
    -DLSAN_SUPPRESSIONS='"$(abspath $(TRACKHAMMER_DIR)/tests/lsan-mpi.supp)"'
$(eval $(call cmocka_test,$(TRACKHAMMER_TEST),,,$(TRACKHAMMER)))

# The single-job topology's steps, run directly (no MPI, no scheduler).
SINGLE_JOB_TEST := $(BUILD)/$(TRACKHAMMER_DIR)/tests/test_single_job
$(eval $(call cmocka_test,$(SINGLE_JOB_TEST),,,$(TRACKHAMMER)))

# What the harness survives: set-up failures, foreign files, a held
# directory, signals and SIGKILLs, fork limits (runs th-report too).
HARDENING_TEST := $(BUILD)/$(TRACKHAMMER_DIR)/tests/test_hardening
$(BUILD)/$(TRACKHAMMER_DIR)/tests/test_hardening.o: CPPFLAGS += \
    -DTH_REPORT_BIN='"$(abspath $(BUILD)/th-report)"'
$(eval $(call cmocka_test,$(HARDENING_TEST),,,$(TRACKHAMMER) $(BUILD)/th-report $(BUILD)/gadi-71-job-matrix.csv))

# make reproduce: the published 71-job matrix, locally, under the lustre
# model: 71 ranks (oversubscribed), the five published configurations,
# REPRODUCE_REPEAT rounds each. Results under results/<run-id>/.
REPRODUCE_RANKS  ?= 71
REPRODUCE_REPEAT ?= 5
REPRODUCE_ARGS   ?=
REPRODUCE_DB     ?= results/reproduce-db
MPIRUN           ?= mpirun
# Open MPI refuses root unless told; only said when we are root.
MPIRUN_ENV := $(if $(filter 0,$(shell id -u)),OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)

reproduce: deps-check $(TRACKHAMMER) $(FAULTFS_EXT) $(FAULTFS_FIT)
	@mkdir -p $(REPRODUCE_DB)
	$(MPIRUN_ENV) $(MPIRUN) --oversubscribe -np $(REPRODUCE_RANKS) \
	    $(TRACKHAMMER) --matrix gadi71 --fault-model lustre \
	    --repeat $(REPRODUCE_REPEAT) --db-dir $(REPRODUCE_DB) \
	    --output results $(REPRODUCE_ARGS)
.PHONY: reproduce

# make scale-check: the matrix at the default local time scale and at scale
# 1 (real time, about 4 minutes more), same seed, then th-report's
# "Agreement across time scales": whether the compression changes the
# outcome on this machine. Results under results/scale-check/.
SCALE_CHECK_REPEAT ?= 3
SCALE_CHECK_SEED   ?= 11
SCALE_CHECK_DIR    ?= results/scale-check

scale-check: deps-check $(TRACKHAMMER) $(FAULTFS_EXT) $(BUILD)/th-report
	@rm -rf $(SCALE_CHECK_DIR) && mkdir -p $(SCALE_CHECK_DIR)/db
	for scale in default 1; do \
	    $(MPIRUN_ENV) $(MPIRUN) --oversubscribe -np $(REPRODUCE_RANKS) \
	        $(TRACKHAMMER) --matrix gadi71 --fault-model lustre \
	        --repeat $(SCALE_CHECK_REPEAT) --seed $(SCALE_CHECK_SEED) \
	        $$( [ $$scale = default ] || echo --time-scale $$scale ) \
	        --db-dir $(SCALE_CHECK_DIR)/db \
	        --output $(SCALE_CHECK_DIR)/$$scale || exit 1; \
	done
	$(TH_REPORT) --out $(SCALE_CHECK_DIR)/report \
	    $(SCALE_CHECK_DIR)/default/* $(SCALE_CHECK_DIR)/1/*
	@echo "the comparison: $(SCALE_CHECK_DIR)/report/report.md," \
	    "section \"Agreement across time scales\""
.PHONY: scale-check

# The table of tests/BAD_INPUT.md, run row by row: each
# row's command in a scratch directory, the build directory first on PATH
# (LSAN_SUPPRESSIONS comes with the tests' pattern rule above).
BAD_INPUT_TEST := $(BUILD)/$(TRACKHAMMER_DIR)/tests/test_bad_input
$(BUILD)/$(TRACKHAMMER_DIR)/tests/test_bad_input.o: CPPFLAGS += \
    -DBUILD_DIR='"$(abspath $(BUILD))"' \
    -DBAD_INPUT_PATH='"$(abspath $(TRACKHAMMER_DIR)/tests/BAD_INPUT.md)"'
# Every program a row may name: all of them (`all` has every fragment's
# programs, whichever is read later).
$(eval $(call cmocka_test,$(BAD_INPUT_TEST),,,all $(BUILD)/gadi-71-job-matrix.csv))
