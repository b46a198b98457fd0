# harness/faultfs/faultfs.mk: the faultfs VFS: a Lustre fault model as an
# SQLite VFS. Included by the top-level Makefile.
#
# Expects: BUILD, CC, CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS, CMOCKA_CFLAGS,
#          CMOCKA_LIBS, TRACKER_LIB (tracker/tracker.mk), PREFIX, DESTDIR.
# Defines: FAULTFS_LIB (build/libfaultfs.a), FAULTFS_EXT (build/faultfs.so),
#          FAULTFS_SURVEY (build/faultfs-survey), FAULTFS_TESTS,
#          FAULTFS_INSTALL (files to install, see install-faultfs);
#          appends to LIBRARIES, PROGRAMS, TESTS, INSTALL_TARGETS.

FAULTFS_DIR     := harness/faultfs
FAULTFS_SOURCES := $(filter-out $(FAULTFS_DIR)/faultfs_ext.c,$(wildcard $(FAULTFS_DIR)/*.c))
FAULTFS_OBJECTS := $(FAULTFS_SOURCES:%.c=$(BUILD)/%.o)
FAULTFS_LIB     := $(BUILD)/libfaultfs.a
FAULTFS_EXT     := $(BUILD)/faultfs.so
FAULTFS_SURVEY  := $(BUILD)/faultfs-survey
FAULTFS_LDLIBS   = $(LDLIBS) -lpthread

LIBRARIES += $(FAULTFS_LIB) $(FAULTFS_EXT)
PROGRAMS  += $(FAULTFS_SURVEY)

$(FAULTFS_LIB): $(FAULTFS_OBJECTS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# The extension is loaded into hosts that are not instrumented (the sqlite3
# shell, python), so it is built without sanitizers even when SAN is set, and
# it reaches SQLite only through the sqlite3_api table (no -lsqlite3).
FAULTFS_EXT_CFLAGS   = $(filter-out -fsanitize=%,$(CFLAGS)) -DFAULTFS_LOADABLE_EXTENSION
FAULTFS_EXT_OBJECTS := $(patsubst %.c,$(BUILD)/faultfs-ext/%.o,$(FAULTFS_SOURCES) $(FAULTFS_DIR)/faultfs_ext.c)

$(BUILD)/faultfs-ext/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(FAULTFS_EXT_CFLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<

FAULTFS_EXT_EXPORTS := $(FAULTFS_DIR)/faultfs_ext.map

$(FAULTFS_EXT): $(FAULTFS_EXT_OBJECTS) $(FAULTFS_EXT_EXPORTS)
	$(CC) -shared -Wl,--version-script=$(FAULTFS_EXT_EXPORTS) -o $@ \
	    $(FAULTFS_EXT_OBJECTS) -lpthread

# A tool that runs tracker operations under a fault model and reports what
# each fault class did.
$(BUILD)/$(FAULTFS_DIR)/tools/%.o: CFLAGS += -I$(FAULTFS_DIR) -Itracker $(COMMAND_LINE_CFLAGS)
# Both tools' command lines are read by tools/tool_args.c.
FAULTFS_TOOL_ARGS := $(BUILD)/$(FAULTFS_DIR)/tools/tool_args.o $(COMMAND_LINE_OBJECT)
$(FAULTFS_SURVEY): $(BUILD)/$(FAULTFS_DIR)/tools/faultfs_survey.o $(FAULTFS_TOOL_ARGS) $(FAULTFS_LIB) $(TRACKER_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FAULTFS_LDLIBS)

# The power-loss table: tracker writers SIGKILLed, then the crash
# mode's simulated power loss, per profile. One round (tools/powerloss.c)
# is shared with the crash test.
FAULTFS_POWERLOSS       := $(BUILD)/faultfs-powerloss
FAULTFS_POWERLOSS_ROUND := $(BUILD)/$(FAULTFS_DIR)/tools/powerloss.o
PROGRAMS += $(FAULTFS_POWERLOSS)
$(FAULTFS_POWERLOSS): $(BUILD)/$(FAULTFS_DIR)/tools/faultfs_powerloss.o $(FAULTFS_TOOL_ARGS) $(FAULTFS_POWERLOSS_ROUND) $(FAULTFS_LIB) $(TRACKER_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FAULTFS_LDLIBS)

# Each tests/test_*.c is one cmocka program; tests/support.c is shared.
FAULTFS_TEST_SUPPORT := $(BUILD)/$(FAULTFS_DIR)/tests/support.o
FAULTFS_TESTS := $(patsubst $(FAULTFS_DIR)/tests/%.c,$(BUILD)/$(FAULTFS_DIR)/tests/%,$(wildcard $(FAULTFS_DIR)/tests/test_*.c))
# The crash test runs power-loss rounds too; the shell test loads the
# extension (run, not linked).
faultfs_test_objects = $(if $(filter %/test_faultfs_crash,$(1)),$(FAULTFS_POWERLOSS_ROUND)) $(FAULTFS_TEST_SUPPORT)
faultfs_test_runs    = $(if $(filter %/test_faultfs_extension,$(1)),$(FAULTFS_EXT))
$(foreach t,$(FAULTFS_TESTS),$(eval $(call cmocka_test,$(t),$(call faultfs_test_objects,$(t)),$(FAULTFS_LIB) $(TRACKER_LIB),$(call faultfs_test_runs,$(t)),$(FAULTFS_LDLIBS))))

$(BUILD)/$(FAULTFS_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS) -I$(FAULTFS_DIR) -Itracker
$(BUILD)/$(FAULTFS_DIR)/tests/%.o: CPPFLAGS += -DFAULTFS_EXTENSION_PATH='"$(abspath $(BUILD))/faultfs"' \
    -DPROJECT_FIT='"$(abspath $(FAULTFS_DIR)/lustre-fitted.conf)"'
$(BUILD)/$(FAULTFS_DIR)/tests/test_faultfs_crash.o: CFLAGS += -I$(FAULTFS_DIR)/tools

# The lustre model's fitted parameters (FIDELITY.md), copied beside the
# programs, where trackhammer looks for them first.
FAULTFS_FIT_SOURCE := $(FAULTFS_DIR)/lustre-fitted.conf
FAULTFS_FIT        := $(BUILD)/lustre-fitted.conf
LIBRARIES += $(FAULTFS_FIT)
$(FAULTFS_FIT): $(FAULTFS_FIT_SOURCE)
	@mkdir -p $(dir $@)
	cp $< $@

# Installed: the library and extension to $(PREFIX)/lib, the header to
# $(PREFIX)/include, the fit to $(PREFIX)/share/trackhammer.
FAULTFS_INSTALL := $(FAULTFS_LIB) $(FAULTFS_EXT) $(FAULTFS_DIR)/faultfs.h \
                   $(FAULTFS_FIT_SOURCE)

install-faultfs: $(FAULTFS_LIB) $(FAULTFS_EXT)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/share/trackhammer
	install -m 644 $(FAULTFS_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(FAULTFS_EXT) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(FAULTFS_DIR)/faultfs.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(FAULTFS_FIT_SOURCE) $(DESTDIR)$(PREFIX)/share/trackhammer/
INSTALL_TARGETS += install-faultfs
.PHONY: install-faultfs
