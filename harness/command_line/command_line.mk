# harness/command_line/: the command-line reading every program shares.
# Depends on nothing but libc, so it comes first: th-report links it without
# the tracker, the faultfs tools and trackhammer with it.
#
# Defines: COMMAND_LINE_OBJECT, COMMAND_LINE_CFLAGS; appends to TESTS.

COMMAND_LINE_DIR    := harness/command_line
COMMAND_LINE_OBJECT := $(BUILD)/$(COMMAND_LINE_DIR)/command_line.o
COMMAND_LINE_CFLAGS := -I$(COMMAND_LINE_DIR)

COMMAND_LINE_TESTS := $(patsubst $(COMMAND_LINE_DIR)/tests/%.c,$(BUILD)/$(COMMAND_LINE_DIR)/tests/%,$(wildcard $(COMMAND_LINE_DIR)/tests/test_*.c))
$(foreach t,$(COMMAND_LINE_TESTS),$(eval $(call cmocka_test,$(t),$(COMMAND_LINE_OBJECT))))

$(BUILD)/$(COMMAND_LINE_DIR)/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS) $(COMMAND_LINE_CFLAGS) $(TEST_SUPPORT_CFLAGS)
