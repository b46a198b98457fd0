# harness/jobs/jobs.mk: the foreign jobs of harness/jobs/CONTRACT.md (the
# Python job, harness/jobs/python_job.py) and their tests. Included by the
# top-level Makefile after harness/faultfs/faultfs.mk (its FAULTFS_EXT).
#
# Expects: BUILD, CC, CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS, CMOCKA_CFLAGS,
#          CMOCKA_LIBS, TRACKER_LIB (tracker/tracker.mk); FAULTFS_EXT
#          (harness/faultfs/faultfs.mk).
# Defines: JOBS_TESTS; appends to TESTS.

JOBS_DIR   := harness/jobs
JOBS_TESTS := $(BUILD)/$(JOBS_DIR)/tests/test_python_job

# The fault model the test loads into the job: harness/faultfs/faultfs.mk's, or
# where that fragment builds it. The test fails, saying so, if it is absent.
JOBS_FAULTFS_EXT := $(if $(FAULTFS_EXT),$(FAULTFS_EXT),$(BUILD)/faultfs.so)

# The tests run `python3 harness/jobs/python_job.py` from the repository
# root, as `make check` does.
$(BUILD)/$(JOBS_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS) -Itracker
$(BUILD)/$(JOBS_DIR)/tests/%.o: CPPFLAGS += -DJOBS_FAULTFS_EXT='"$(abspath $(JOBS_FAULTFS_EXT))"'
# The extension is loaded by the job at run time (run, not linked).
$(foreach t,$(JOBS_TESTS),$(eval $(call cmocka_test,$(t),,$(TRACKER_LIB),$(FAULTFS_EXT))))
