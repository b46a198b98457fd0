# analysis/: th-report, the report tool, and its tests. make install puts
# the published table in $(PREFIX)/share/trackhammer/, where th-report
# finds it beside its bin/; the build tree has a copy beside the program.

ANALYSIS_DIR     := analysis
ANALYSIS_SOURCES := $(wildcard $(ANALYSIS_DIR)/*.c)
# Everything but main.o, so the tests link the same code. th-calibrate's
# main lives in calibrate/, out of the wildcard.
ANALYSIS_CORE    := $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(ANALYSIS_DIR)/main.c,$(ANALYSIS_SOURCES)))
TH_REPORT        := $(BUILD)/th-report
TH_CALIBRATE     := $(BUILD)/th-calibrate
TH_DATADIR        = $(PREFIX)/share/trackhammer

PROGRAMS += $(TH_REPORT) $(TH_CALIBRATE)

# The published table, copied beside the programs, where th-report looks
# for it when it runs outside the source tree.
TH_REFERENCE := $(BUILD)/gadi-71-job-matrix.csv
LIBRARIES += $(TH_REFERENCE)
$(TH_REFERENCE): results/reference/gadi-71-job-matrix.csv
	@mkdir -p $(dir $@)
	cp $< $@

$(TH_REPORT): $(ANALYSIS_CORE) $(BUILD)/$(ANALYSIS_DIR)/main.o $(COMMAND_LINE_OBJECT)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# th-calibrate reads the design's fault model and checks the fit file it
# writes with faultfs's own parser.
$(TH_CALIBRATE): $(ANALYSIS_CORE) $(BUILD)/$(ANALYSIS_DIR)/calibrate/th_calibrate.o $(COMMAND_LINE_OBJECT) $(FAULTFS_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FAULTFS_LDLIBS)

# tracker.h for the latency histogram's bucket count; faultfs.h for the
# fault classes the calibration groups; command_line.h for the programs'
# options.
$(BUILD)/$(ANALYSIS_DIR)/%.o: CFLAGS += -Itracker -I$(FAULTFS_DIR) $(COMMAND_LINE_CFLAGS)

# Each tests/test_*.c is one cmocka program over the core objects.
ANALYSIS_TESTS := $(patsubst $(ANALYSIS_DIR)/tests/%.c,$(BUILD)/$(ANALYSIS_DIR)/tests/%,$(wildcard $(ANALYSIS_DIR)/tests/test_*.c))
# The calibration's test runs th-calibrate and trackhammer (its default fit)
# and loads the fit files with faultfs.
analysis_test_is_calibrate = $(filter %/test_calibrate,$(1))
$(foreach t,$(ANALYSIS_TESTS),$(eval $(call cmocka_test,$(t),$(ANALYSIS_CORE),\
    $(if $(call analysis_test_is_calibrate,$(t)),$(FAULTFS_LIB)),\
    $(TH_REPORT) $(TH_REFERENCE) $(if $(call analysis_test_is_calibrate,$(t)),$(TH_CALIBRATE) $(TRACKHAMMER) $(FAULTFS_FIT)),\
    $(if $(call analysis_test_is_calibrate,$(t)),$(FAULTFS_LDLIBS)))))

$(BUILD)/$(ANALYSIS_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS) -I$(ANALYSIS_DIR)
$(BUILD)/$(ANALYSIS_DIR)/tests/%.o: CPPFLAGS += \
    -DTH_REPORT_BIN='"$(abspath $(TH_REPORT))"' \
    -DANALYSIS_DATA='"$(abspath $(ANALYSIS_DIR)/tests/data)"' \
    -DREFERENCE_CSV='"$(abspath results/reference/gadi-71-job-matrix.csv)"'

$(BUILD)/$(ANALYSIS_DIR)/tests/test_calibrate.o: CPPFLAGS += \
    -DTH_CALIBRATE_BIN='"$(abspath $(TH_CALIBRATE))"' \
    -DTRACKHAMMER_BIN='"$(abspath $(TRACKHAMMER))"' \
    -DDEFAULT_FIT='"$(abspath $(FAULTFS_FIT))"'

install-analysis: $(TH_REPORT) $(TH_CALIBRATE)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(TH_DATADIR)
	install -m 755 $(TH_REPORT) $(TH_CALIBRATE) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 results/reference/gadi-71-job-matrix.csv $(DESTDIR)$(TH_DATADIR)/
INSTALL_TARGETS += install-analysis
.PHONY: install-analysis

# make calibrate: the design run (71 ranks, the lustre model's unfitted
# table, CALIBRATE_REPEAT rounds of each profile of the fitted rows), then
# th-calibrate fits the rows and rewrites harness/faultfs/lustre-fitted.conf
# (CALIBRATE_FIX: groups held at the table's rates, FIDELITY.md says why).
# make fidelity: every configuration under the fitted model (the five
# published, upstream and hardened), FIDELITY_REPEAT rounds each, and
# th-report's agreement with the published table (fitted rows and held-out
# ones marked). The method and the last results: harness/faultfs/FIDELITY.md.
CALIBRATE_REPEAT ?= 10
CALIBRATE_SEED   ?= 9001
CALIBRATE_FIX    ?= data
FIDELITY_REPEAT  ?= 20
FIDELITY_SEED    ?= 9002
FIDELITY_DIR     ?= results/fidelity
FIDELITY_PROFILES := wal-normal,delete-normal,delete-off,delete-off-retry-writes,delete-off-retry-all,upstream,hardened

calibrate: deps-check $(TRACKHAMMER) $(FAULTFS_EXT) $(TH_CALIBRATE)
	@rm -rf $(FIDELITY_DIR)/design && mkdir -p $(FIDELITY_DIR)/db
	$(MPIRUN_ENV) $(MPIRUN) --oversubscribe -np $(REPRODUCE_RANKS) \
	    $(TRACKHAMMER) --profiles delete-normal,delete-off,delete-off-retry-writes \
	    --fault-model lustre,fit=none --repeat $(CALIBRATE_REPEAT) \
	    --seed $(CALIBRATE_SEED) --db-dir $(FIDELITY_DIR)/db \
	    --output $(FIDELITY_DIR)/design -q
	$(TH_CALIBRATE) $(if $(CALIBRATE_FIX),--fix $(CALIBRATE_FIX)) \
	    --out $(FAULTFS_FIT_SOURCE) $(FIDELITY_DIR)/design/*

fidelity: deps-check $(TRACKHAMMER) $(FAULTFS_EXT) $(FAULTFS_FIT) $(TH_REPORT)
	@rm -rf $(FIDELITY_DIR)/predict && mkdir -p $(FIDELITY_DIR)/db
	$(MPIRUN_ENV) $(MPIRUN) --oversubscribe -np $(REPRODUCE_RANKS) \
	    $(TRACKHAMMER) --profiles $(FIDELITY_PROFILES) --fault-model lustre \
	    --repeat $(FIDELITY_REPEAT) --seed $(FIDELITY_SEED) \
	    --db-dir $(FIDELITY_DIR)/db --output $(FIDELITY_DIR)/predict -q
	$(TH_REPORT) --out $(FIDELITY_DIR)/report $(FIDELITY_DIR)/predict/*
	@echo "the comparison: $(FIDELITY_DIR)/report/report.md, section" \
	    "\"Agreement with the published table\""

# make fidelity-wal: what the WAL row's prediction rests on. wal-normal
# under the fitted model as make fidelity runs it, then with a read past a
# node's stale view of the -wal coming back short (wal.short_reads=on),
# then with no stale view (wal.stale=0), then with the 71 jobs on fewer
# nodes (--sim-nodes: SIGBUS's share follows placement),
# FIDELITY_WAL_REPEAT rounds each, and th-report over each run apart
# (placement is not part of a configuration's name, so one report would
# pool them). FIDELITY.md, "Where the model and the data disagree" and
# "SIGBUS's share".
FIDELITY_WAL_REPEAT ?= 10
FIDELITY_WAL_DIR    ?= $(FIDELITY_DIR)/wal-sensitivity
FIDELITY_WAL_RUNS   := default:lustre short-reads:lustre,wal.short_reads=on \
                       stale-off:lustre,wal.stale=0 \
                       nodes-8:lustre:8 nodes-2:lustre:2
fidelity-wal: deps-check $(TRACKHAMMER) $(FAULTFS_EXT) $(FAULTFS_FIT) $(TH_REPORT)
	@rm -rf $(FIDELITY_WAL_DIR) && mkdir -p $(FIDELITY_WAL_DIR)/db
	for run in $(FIDELITY_WAL_RUNS); do \
	    name=$${run%%:*}; rest=$${run#*:}; model=$${rest%%:*}; \
	    nodes=$${rest#$$model}; nodes=$${nodes#:}; \
	    $(MPIRUN_ENV) $(MPIRUN) --oversubscribe -np $(REPRODUCE_RANKS) \
	        $(TRACKHAMMER) --profiles wal-normal --fault-model $$model \
	        $${nodes:+--sim-nodes $$nodes} --repeat $(FIDELITY_WAL_REPEAT) \
	        --seed $(FIDELITY_SEED) --db-dir $(FIDELITY_WAL_DIR)/db \
	        --output $(FIDELITY_WAL_DIR)/$$name -q || exit $$?; \
	done
	rm -rf $(FIDELITY_WAL_DIR)/db
	for run in $(FIDELITY_WAL_RUNS); do name=$${run%%:*}; \
	    $(TH_REPORT) --out $(FIDELITY_WAL_DIR)/$$name/report \
	        $(FIDELITY_WAL_DIR)/$$name/2*/ || exit $$?; \
	done
.PHONY: calibrate fidelity fidelity-wal
