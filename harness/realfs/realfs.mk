# harness/realfs/realfs.mk: th-realfs, trackhammer on real distributed file
# systems brought up on this machine (GlusterFS, sshfs, CephFS), its test,
# and make reproduce-realfs. The launcher is bash (harness/realfs/); the
# build puts it beside trackhammer, where it looks for the program.

REALFS_DIR     := harness/realfs
REALFS_SCRIPTS := $(filter-out $(REALFS_DIR)/th-realfs,$(wildcard $(REALFS_DIR)/*.sh))
TH_REALFS      := $(BUILD)/th-realfs
REALFS_LIB     := $(REALFS_SCRIPTS:$(REALFS_DIR)/%=$(BUILD)/realfs/%)
PROGRAMS += $(TH_REALFS) $(REALFS_LIB)

$(TH_REALFS): $(REALFS_DIR)/th-realfs
	@mkdir -p $(dir $@)
	install -m 755 $< $@
$(BUILD)/realfs/%.sh: $(REALFS_DIR)/%.sh
	@mkdir -p $(dir $@)
	install -m 644 $< $@

install-realfs: $(TH_REALFS) $(REALFS_LIB)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/trackhammer/realfs
	install -m 755 $(TH_REALFS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(REALFS_LIB) $(DESTDIR)$(PREFIX)/share/trackhammer/realfs/
INSTALL_TARGETS += install-realfs
.PHONY: install-realfs

# The measured behaviours of each file system, at low counts; a test skips
# only where root, FUSE or a package is missing, saying which.
REALFS_TEST := $(BUILD)/$(REALFS_DIR)/tests/test_realfs
$(BUILD)/$(REALFS_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS)
$(BUILD)/$(REALFS_DIR)/tests/%.o: CPPFLAGS += \
    -DTH_REALFS_BIN='"$(abspath $(TH_REALFS))"' \
    -DLSAN_SUPPRESSIONS='"$(abspath harness/trackhammer/tests/lsan-mpi.supp)"'
$(eval $(call cmocka_test,$(REALFS_TEST),,,$(TH_REALFS) $(REALFS_LIB) $(TRACKHAMMER)))

# make reproduce-realfs: the gadi71 matrix on real file systems brought up
# here, nothing simulated (GlusterFS, sshfs and CephFS, each cached and
# coherent; REALFS_NODES client mounts as nodes), then the lustre model
# with as many simulated nodes, and th-report --compare over them all.
# About 5 minutes on 2 cores at the defaults. Needs root (th-realfs says
# so, and what to install). Results under results/reproduce-realfs/.
REALFS_FILE_SYSTEMS ?= glusterfs:cached glusterfs:coherent sshfs:cached sshfs:coherent \
                       cephfs:cached cephfs:coherent
REALFS_NODES        ?= 4
REALFS_RANKS        ?= 4
REALFS_JOBS         ?= 8
REALFS_REPEAT       ?= 3
# Short jobs: 1 s of work, starts within 0.2 s, the monitor every second.
REALFS_ARGS         ?= --work 1 --start-jitter 0.2 --monitor-interval 1
REPRODUCE_REALFS_DIR ?= results/reproduce-realfs
REALFS_MATRIX = --matrix gadi71 --jobs $(REALFS_JOBS) \
    --repeat $(REALFS_REPEAT) $(REALFS_ARGS) --quiet
# What the target writes under REPRODUCE_REALFS_DIR, and only that goes
# before it writes again.
REALFS_RUNS = $(subst :,-,$(REALFS_FILE_SYSTEMS)) lustre-model
REALFS_MADE = $(addprefix '$(REPRODUCE_REALFS_DIR)'/,$(REALFS_RUNS) report model-db)

reproduce-realfs: deps-check $(TH_REALFS) $(REALFS_LIB) $(BUILD)/trackhammer $(FAULTFS_FIT) $(BUILD)/th-report
	rm -rf $(REALFS_MADE) && mkdir -p '$(REPRODUCE_REALFS_DIR)/model-db'
	for fs in $(REALFS_FILE_SYSTEMS); do \
	    $(MPIRUN_ENV) $(TH_REALFS) --fs $${fs%%:*} --preset $${fs#*:} \
	        --nodes $(REALFS_NODES) --ranks $(REALFS_RANKS) \
	        --output $(REPRODUCE_REALFS_DIR)/$${fs%%:*}-$${fs#*:} \
	        -- $(REALFS_MATRIX) || exit $$?; \
	done
	$(MPIRUN_ENV) $(MPIRUN) --oversubscribe -np $(REALFS_RANKS) \
	    $(BUILD)/trackhammer $(REALFS_MATRIX) --fault-model lustre \
	    --sim-nodes $(REALFS_NODES) --db-dir $(REPRODUCE_REALFS_DIR)/model-db \
	    --output $(REPRODUCE_REALFS_DIR)/lustre-model
	rm -rf '$(REPRODUCE_REALFS_DIR)/model-db'
	$(BUILD)/th-report --compare --out '$(REPRODUCE_REALFS_DIR)/report' \
	    $(foreach run,$(REALFS_RUNS),'$(REPRODUCE_REALFS_DIR)/$(run)'/2*/)
	@echo "the table: $(REPRODUCE_REALFS_DIR)/report/report.md, sections" \
	    "\"Failures per configuration, pooled over repeats\" and" \
	    "\"Model against reality\""
.PHONY: reproduce-realfs
