# tracker/: the tracking-database library and its tests.

TRACKER_SOURCES := $(filter-out tracker/tests/%,$(wildcard tracker/*.c))
TRACKER_OBJECTS := $(TRACKER_SOURCES:%.c=$(BUILD)/%.o)
TRACKER_LIB     := $(BUILD)/libtracker.a

LIBRARIES += $(TRACKER_LIB)

$(TRACKER_LIB): $(TRACKER_OBJECTS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# Each tests/test_*.c is one cmocka program; tests/support_*.c are shared by them.
TRACKER_TEST_SUPPORT := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tracker/tests/support_*.c))
TRACKER_TESTS := $(patsubst tracker/tests/%.c,$(BUILD)/tracker/tests/%,$(wildcard tracker/tests/test_*.c))
$(foreach t,$(TRACKER_TESTS),$(eval $(call cmocka_test,$(t),$(TRACKER_TEST_SUPPORT),$(TRACKER_LIB))))

$(BUILD)/tracker/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(TEST_SUPPORT_CFLAGS) -Itracker

install-tracker: $(TRACKER_LIB)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 644 $(TRACKER_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 tracker/tracker.h $(DESTDIR)$(PREFIX)/include/
INSTALL_TARGETS += install-tracker
.PHONY: install-tracker
