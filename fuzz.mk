# fuzz.mk: libFuzzer targets for every parser of outside
# input, and the replay of their regression inputs in make check.
#
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_SEED=S]
#                                build each target with clang
#                                (-fsanitize=fuzzer,address,undefined) and
#                                run it N seconds (default 15); new inputs go
#                                to $(BUILD)/fuzz/corpus/NAME, crashes to
#                                $(BUILD)/fuzz/artifacts/ (the run fails).
#                                A seed makes the inputs tried the same each
#                                time (CI uses one, so a crash it reports is
#                                one that can be found again); without one,
#                                each run explores new inputs.
#
# Targets (source; regression inputs in the folder beside it):
#   faultfs_config  harness/faultfs/fuzz/fuzz_faultfs_config.c
#   profile         tracker/fuzz/fuzz_profile.c
#   options         harness/trackhammer/fuzz/fuzz_options.c
#   results         analysis/fuzz/fuzz_results.c
# make check runs build/.../test_fuzz_replay: every regression input through
# the same entry points, built with $(CC), no libFuzzer needed.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 15
FUZZ_SEED    ?=
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_RESULTS_BASE := -DFUZZ_RESULTS_BASE='"$(abspath analysis/tests/data/run-small)"'
FUZZ_INCLUDES := -Itracker -I$(FAULTFS_DIR) -Iharness/trackhammer -Ianalysis $(COMMAND_LINE_CFLAGS)
FUZZ_CFLAGS   = -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
                $(WARNINGS) $(SQLITE_CFLAGS) $(FUZZ_INCLUDES) \
                $(FUZZ_RESULTS_BASE) -fsanitize=fuzzer-no-link $(FUZZ_SAN)

FUZZ_NAMES := faultfs_config profile options results
fuzz_source_faultfs_config := $(FAULTFS_DIR)/fuzz/fuzz_faultfs_config.c
fuzz_source_profile        := tracker/fuzz/fuzz_profile.c
fuzz_source_options        := harness/trackhammer/fuzz/fuzz_options.c
fuzz_source_results        := analysis/fuzz/fuzz_results.c
# The code each target parses with, as sources.
fuzz_code_faultfs_config := $(FAULTFS_SOURCES)
fuzz_code_profile        := $(TRACKER_SOURCES)
fuzz_code_options        := $(COMMAND_LINE_DIR)/command_line.c harness/trackhammer/options.c harness/trackhammer/workload.c harness/trackhammer/fs_info.c harness/trackhammer/util.c harness/trackhammer/interrupt.c $(FAULTFS_SOURCES) $(TRACKER_SOURCES)
fuzz_code_results        := $(filter-out analysis/main.c,$(wildcard analysis/*.c))

fuzz_regressions = $(dir $(fuzz_source_$(1)))regressions

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

define fuzz_target
$(FUZZ_BUILD)/fuzz-$(1): $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(fuzz_source_$(1)) $(fuzz_code_$(1)))
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $$@ $$^ $(SQLITE_LIBS) -lm -lpthread
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_target,$(n))))

# Stop early with the one command that would provide libFuzzer.
fuzz-deps-check:
	@printf 'int LLVMFuzzerTestOneInput(const char *d, long n);\nint LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }\n' | \
	    $(FUZZ_CC) -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null || \
	    { echo "missing libFuzzer: sudo apt-get install clang libclang-rt-dev" >&2; exit 1; }
.PHONY: fuzz-deps-check

# Each target in turn for FUZZ_SECONDS; the regression folder seeds it.
fuzz: fuzz-deps-check $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz-%)
	@for n in $(FUZZ_NAMES); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/artifacts; \
	    case $$n in \
	        faultfs_config) seeds=$(call fuzz_regressions,faultfs_config) ;; \
	        profile) seeds=$(call fuzz_regressions,profile) ;; \
	        options) seeds=$(call fuzz_regressions,options) ;; \
	        results) seeds=$(call fuzz_regressions,results) ;; \
	    esac; \
	    echo "== fuzz $$n ($(FUZZ_SECONDS) s)"; \
	    if $(FUZZ_BUILD)/fuzz-$$n -max_total_time=$(FUZZ_SECONDS) \
	        $(if $(FUZZ_SEED),-seed=$(FUZZ_SEED)) \
	        -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$n- \
	        $(FUZZ_BUILD)/corpus/$$n $$seeds > $(FUZZ_BUILD)/$$n.log 2>&1; \
	    then grep -E '^stat::(number_of_executed_units|new_units_added)' $(FUZZ_BUILD)/$$n.log; \
	    else tail -n 40 $(FUZZ_BUILD)/$$n.log; \
	        echo "fuzz $$n: crash, input in $(FUZZ_BUILD)/artifacts/" >&2; exit 1; fi; \
	done
.PHONY: fuzz

# The replay test: the targets with their entry points renamed, linked with
# the normal build's code.
FUZZ_REPLAY      := $(BUILD)/$(FAULTFS_DIR)/fuzz/test_fuzz_replay
FUZZ_REPLAY_OBJS := $(foreach n,$(FUZZ_NAMES),$(BUILD)/fuzz-replay/$(n).o)

define fuzz_replay_object
$(BUILD)/fuzz-replay/$(1).o: $(fuzz_source_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(CPPFLAGS) $(FUZZ_INCLUDES) $(FUZZ_RESULTS_BASE) -DLLVMFuzzerTestOneInput=fuzz_$(1) -MMD -MP -c -o $$@ $$<
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_replay_object,$(n))))

$(BUILD)/$(FAULTFS_DIR)/fuzz/test_fuzz_replay.o: CFLAGS += $(CMOCKA_CFLAGS)
$(BUILD)/$(FAULTFS_DIR)/fuzz/test_fuzz_replay.o: CPPFLAGS += \
    -DFUZZ_DIR_FAULTFS_CONFIG='"$(abspath $(call fuzz_regressions,faultfs_config))"' \
    -DFUZZ_DIR_PROFILE='"$(abspath $(call fuzz_regressions,profile))"' \
    -DFUZZ_DIR_OPTIONS='"$(abspath $(call fuzz_regressions,options))"' \
    -DFUZZ_DIR_RESULTS='"$(abspath $(call fuzz_regressions,results))"'
FUZZ_REPLAY_CODE := $(FUZZ_REPLAY_OBJS) \
    $(patsubst %.c,$(BUILD)/%.o,$(filter harness/trackhammer/% $(COMMAND_LINE_DIR)/%,$(fuzz_code_options))) \
    $(patsubst %.c,$(BUILD)/%.o,$(fuzz_code_results))
$(eval $(call cmocka_test,$(FUZZ_REPLAY),$(FUZZ_REPLAY_CODE),$(FAULTFS_LIB) $(TRACKER_LIB),,$(FAULTFS_LDLIBS)))
