# harness/workloads/: other tools' own code as a job's life (--workload),
# one Python file per workload, and their tests. trackhammer finds the files
# in workloads/ beside it (copied here, with the Python job whose outcome
# record they share) or in $(PREFIX)/share/trackhammer/workloads.
#
# Expects: BUILD, TRACKHAMMER (harness/trackhammer/trackhammer.mk),
#          FAULTFS_EXT (harness/faultfs/faultfs.mk), cmocka_test.
# Defines: WORKLOADS_FILES; appends to LIBRARIES, TESTS, INSTALL_TARGETS.

WORKLOADS_DIR     := harness/workloads
WORKLOADS_SOURCES := $(wildcard $(WORKLOADS_DIR)/*.py) harness/jobs/python_job.py
WORKLOADS_FILES   := $(addprefix $(BUILD)/workloads/,$(notdir $(WORKLOADS_SOURCES)))

LIBRARIES += $(WORKLOADS_FILES)
$(BUILD)/workloads/%.py: $(WORKLOADS_DIR)/%.py
	@mkdir -p $(dir $@)
	cp $< $@
$(BUILD)/workloads/python_job.py: harness/jobs/python_job.py
	@mkdir -p $(dir $@)
	cp $< $@

# Each tests/test_*.c runs trackhammer with a workload, under the model and
# on a real file system.
WORKLOADS_TESTS := $(patsubst $(WORKLOADS_DIR)/tests/%.c,$(BUILD)/$(WORKLOADS_DIR)/tests/%,$(wildcard $(WORKLOADS_DIR)/tests/test_*.c))
$(foreach t,$(WORKLOADS_TESTS),$(eval $(call cmocka_test,$(t),,,$(TRACKHAMMER) $(FAULTFS_EXT) $(WORKLOADS_FILES) $(TH_REPORT) $(TH_REALFS) $(REALFS_LIB))))
$(BUILD)/$(WORKLOADS_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS)
$(BUILD)/$(WORKLOADS_DIR)/tests/%.o: CPPFLAGS += \
    -DTRACKHAMMER_BIN='"$(abspath $(TRACKHAMMER))"' \
    -DTH_REPORT_BIN='"$(abspath $(TH_REPORT))"' \
    -DTH_REALFS_BIN='"$(abspath $(TH_REALFS))"' \
    -DLSAN_SUPPRESSIONS='"$(abspath harness/trackhammer/tests/lsan-mpi.supp)"'

install-workloads: $(WORKLOADS_FILES)
	install -d $(DESTDIR)$(PREFIX)/share/trackhammer/workloads
	install -m 644 $(WORKLOADS_FILES) $(DESTDIR)$(PREFIX)/share/trackhammer/workloads/
INSTALL_TARGETS += install-workloads
.PHONY: install-workloads

# make reproduce-workloads: each workload (the tracker, Optuna, IPython)
# in both journal modes under the lustre model and on real file systems
# brought up here (GlusterFS, sshfs and CephFS, each cached and coherent),
# then th-report over them all and the table of
# harness/workloads/README.md (table.sql). About 15 minutes on 2 cores.
# Needs root for the real file systems (th-realfs says so, and what to
# install), and a Python that imports Optuna and IPython
# (WORKLOADS_PYTHON). Results under results/reproduce-workloads/.
WORKLOADS            ?= tracker optuna ipython
WORKLOADS_PYTHON     ?= python3
WORKLOADS_FILE_SYSTEMS ?= glusterfs:cached glusterfs:coherent sshfs:cached sshfs:coherent \
                          cephfs:cached cephfs:coherent
WORKLOADS_NODES      ?= 2
WORKLOADS_JOBS       ?= 8
WORKLOADS_REPEAT     ?= 2
WORKLOADS_RUN_ARGS   ?= --profiles delete-normal,wal-normal --jobs $(WORKLOADS_JOBS) \
    --repeat $(WORKLOADS_REPEAT) --writes 5 --work 1 --start-jitter 0.2 \
    --monitor-interval 1 --python $(WORKLOADS_PYTHON) --quiet
REPRODUCE_WORKLOADS_DIR ?= results/reproduce-workloads
WORKLOADS_MADE = $(addprefix '$(REPRODUCE_WORKLOADS_DIR)'/,$(WORKLOADS) report model-db table.md)

reproduce-workloads: deps-check $(TH_REALFS) $(REALFS_LIB) $(TRACKHAMMER) $(FAULTFS_EXT) $(FAULTFS_FIT) $(WORKLOADS_FILES) $(TH_REPORT)
	rm -rf $(WORKLOADS_MADE) && mkdir -p '$(REPRODUCE_WORKLOADS_DIR)/model-db'
	for w in $(WORKLOADS); do \
	    for fs in $(WORKLOADS_FILE_SYSTEMS); do \
	        $(MPIRUN_ENV) $(TH_REALFS) --fs $${fs%%:*} --preset $${fs#*:} \
	            --nodes $(WORKLOADS_NODES) \
	            --output $(REPRODUCE_WORKLOADS_DIR)/$$w/$${fs%%:*}-$${fs#*:} \
	            -- --workload $$w $(WORKLOADS_RUN_ARGS) || exit $$?; \
	    done; \
	    $(MPIRUN_ENV) $(MPIRUN) --oversubscribe -np $(WORKLOADS_NODES) \
	        $(TRACKHAMMER) --workload $$w $(WORKLOADS_RUN_ARGS) \
	        --fault-model lustre --sim-nodes $(WORKLOADS_NODES) \
	        --db-dir $(REPRODUCE_WORKLOADS_DIR)/model-db \
	        --output $(REPRODUCE_WORKLOADS_DIR)/$$w/lustre-model || exit $$?; \
	done
	rm -rf '$(REPRODUCE_WORKLOADS_DIR)/model-db'
	$(TH_REPORT) --out '$(REPRODUCE_WORKLOADS_DIR)/report' \
	    '$(REPRODUCE_WORKLOADS_DIR)'/*/*/2*/ >/dev/null
	sqlite3 '$(REPRODUCE_WORKLOADS_DIR)/report/report.db' \
	    < $(WORKLOADS_DIR)/table.sql | tee '$(REPRODUCE_WORKLOADS_DIR)/table.md'
.PHONY: reproduce-workloads
