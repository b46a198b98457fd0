# pbs/pbs.mk: the batch scripts of pbs/ and their test (the scripts
# themselves need no build). Included by the top-level Makefile after the
# fragments of the programs the test runs.
#
# The test runs pbs/submit-jobs.sh, pbs/trackhammer.pbs and their Slurm
# twins through the PBS stand-in (pbs/standin) and a local one-node Slurm
# (pbs/tests/slurm-cluster.sh), with this build's trackhammer and th-report.

PBS_DIR  := pbs
PBS_TEST := $(BUILD)/$(PBS_DIR)/tests/test_pbs

$(BUILD)/$(PBS_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS)
$(BUILD)/$(PBS_DIR)/tests/%.o: CPPFLAGS += \
    -DTH_HOME='"$(abspath .)"' \
    -DTH_BIN='"$(abspath $(BUILD)/trackhammer)"' \
    -DTH_REPORT='"$(abspath $(BUILD)/th-report)"' \
    -DLSAN_SUPPRESSIONS='"$(abspath harness/trackhammer/tests/lsan-mpi.supp)"'
$(eval $(call cmocka_test,$(PBS_TEST),,,$(TRACKHAMMER) $(TH_REPORT)))
