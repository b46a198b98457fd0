# analysis/: th-report, the report tool (issue 6), and its tests. make
# install puts the published table in $(PREFIX)/share/trackhammer/, where
# th-report finds it beside its bin/.

ANALYSIS_DIR     := analysis
ANALYSIS_SOURCES := $(wildcard $(ANALYSIS_DIR)/*.c)
# Everything but main.o, so the tests link the same code.
ANALYSIS_CORE    := $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(ANALYSIS_DIR)/main.c,$(ANALYSIS_SOURCES)))
TH_REPORT        := $(BUILD)/th-report
TH_DATADIR        = $(PREFIX)/share/trackhammer

PROGRAMS += $(TH_REPORT)

$(TH_REPORT): $(ANALYSIS_CORE) $(BUILD)/$(ANALYSIS_DIR)/main.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# tracker.h for the latency histogram's bucket count.
$(BUILD)/$(ANALYSIS_DIR)/%.o: CFLAGS += -Itracker

# Each tests/test_*.c is one cmocka program over the core objects.
ANALYSIS_TESTS := $(patsubst $(ANALYSIS_DIR)/tests/%.c,$(BUILD)/$(ANALYSIS_DIR)/tests/%,$(wildcard $(ANALYSIS_DIR)/tests/test_*.c))
TESTS += $(ANALYSIS_TESTS)

$(BUILD)/$(ANALYSIS_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS) -I$(ANALYSIS_DIR)
$(BUILD)/$(ANALYSIS_DIR)/tests/%.o: CPPFLAGS += \
    -DTH_REPORT_BIN='"$(abspath $(TH_REPORT))"' \
    -DANALYSIS_DATA='"$(abspath $(ANALYSIS_DIR)/tests/data)"' \
    -DREFERENCE_CSV='"$(abspath results/reference/gadi-71-job-matrix.csv)"'
$(BUILD)/$(ANALYSIS_DIR)/tests/test_%: $(BUILD)/$(ANALYSIS_DIR)/tests/test_%.o $(ANALYSIS_CORE) $(TEST_SUPPORT) | $(TH_REPORT)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)

install-analysis: $(TH_REPORT)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(TH_DATADIR)
	install -m 755 $(TH_REPORT) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 results/reference/gadi-71-job-matrix.csv $(DESTDIR)$(TH_DATADIR)/
INSTALL_TARGETS += install-analysis
.PHONY: install-analysis
