# harness/realfs.mk: th-realfs, trackhammer on real distributed file systems
# brought up on this machine (GlusterFS, sshfs), its test, and
# make reproduce-realfs (read before trackhammer.mk, so programs are named
# by path). The launcher is bash (harness/realfs/); the build
# puts it beside trackhammer, where it looks for the program.

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
TESTS += $(REALFS_TEST)
$(BUILD)/$(REALFS_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS)
$(BUILD)/$(REALFS_DIR)/tests/%.o: CPPFLAGS += \
    -DTH_REALFS_BIN='"$(abspath $(TH_REALFS))"' \
    -DLSAN_SUPPRESSIONS='"$(abspath harness/trackhammer/tests/lsan-mpi.supp)"'
$(REALFS_TEST): $(BUILD)/$(REALFS_DIR)/tests/test_realfs.o $(TEST_SUPPORT) | $(TH_REALFS) $(REALFS_LIB) $(BUILD)/trackhammer
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)
