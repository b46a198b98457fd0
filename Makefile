# trackhammer: one top-level Makefile. Each component adds its own rules in
# a fragment beside its code (tracker/tracker.mk, harness/faultfs/faultfs.mk,
# ...; fuzz.mk for the fuzz targets of every component); this file
# holds the flags, the shared targets and nothing component-specific.
#
#   make                  build everything
#   make check            build and run every test (cmocka)
#   make install PREFIX=  install library, header, programs, extension
#   make clean
#
# Variables: CC, PREFIX, BUILD (build directory), WERROR=1 (warnings fail),
#            SAN=address,undefined (sanitizer build),
#            VALGRIND=1 (run the unit tests under valgrind memcheck).

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
PKG_CONFIG ?= pkg-config

SQLITE_CFLAGS := $(shell $(PKG_CONFIG) --cflags sqlite3 2>/dev/null)
SQLITE_LIBS   := $(shell $(PKG_CONFIG) --libs sqlite3 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARNINGS) \
            -fPIC $(SQLITE_CFLAGS)
LDLIBS   += $(SQLITE_LIBS) -lm

ifneq ($(WERROR),)
CFLAGS  += -Werror
endif

ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif

ifneq ($(VALGRIND),)
TEST_RUNNER := valgrind --quiet --error-exitcode=99 --leak-check=full \
               --errors-for-leak-kinds=definite,indirect --track-fds=no
endif

# Every component's tests link the shared test support (testsupport/).
TEST_SUPPORT := $(BUILD)/testsupport/scratch.o $(BUILD)/testsupport/command.o \
                $(BUILD)/testsupport/environment.o $(BUILD)/testsupport/results.o
TEST_SUPPORT_CFLAGS := -Itestsupport

# The one way a fragment registers a cmocka test program:
#   $(eval $(call cmocka_test,PROGRAM,OBJECTS,LIBRARIES,RUNS,LIBS))
# links PROGRAM from PROGRAM.o, OBJECTS, the shared test support and
# LIBRARIES, with cmocka and LIBS (default: $(LDLIBS)); RUNS, the programs
# and files it runs, are built first but not linked; make check runs it.
define cmocka_test
TESTS += $(1)
$(1): $(1).o $(2) $$(TEST_SUPPORT) $(3)$(if $(strip $(4)), | $(4))
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $$(CMOCKA_LIBS) $(if $(strip $(5)),$(5),$$(LDLIBS))
endef

# Filled in by the fragments.
LIBRARIES :=
PROGRAMS  :=
TESTS     :=
INSTALL_TARGETS :=

.PHONY: all check clean install deps-check
all:

# Each component's fragment, beside its code, in dependency order: a
# fragment may use the variables of those above it.
include harness/command_line/command_line.mk
include tracker/tracker.mk
include harness/faultfs/faultfs.mk
include harness/trackhammer/trackhammer.mk
include analysis/analysis.mk
include harness/jobs/jobs.mk
include harness/realfs/realfs.mk
include harness/workloads/workloads.mk
include pbs/pbs.mk
include harness/bench/bench.mk
include fuzz.mk

all: deps-check $(LIBRARIES) $(PROGRAMS)

# Stop early with the one command that would fix a missing dependency.
deps-check:
	@$(PKG_CONFIG) --exists sqlite3 || { echo "missing SQLite headers: sudo apt-get install libsqlite3-dev pkg-config" >&2; exit 1; }

# Run the test programs $(1), each to its end, then say how many passed.
define run_tests
	@$(PKG_CONFIG) --exists cmocka || { echo "missing cmocka: sudo apt-get install libcmocka-dev" >&2; exit 1; }
	@passed=0; failed=0; for t in $(1); do \
	    echo "== $$t"; \
	    if $(TEST_RUNNER) ./$$t; then passed=$$((passed+1)); \
	    else failed=$$((failed+1)); echo "FAILED: $$t" >&2; fi; \
	done; \
	echo "test programs: $$passed passed, $$failed failed"; \
	[ $$failed -eq 0 ]
endef

check: all $(TESTS)
	$(call run_tests,$(TESTS))

# The component a test program belongs to: the directory above its tests/
# (or fuzz/) directory, e.g. build/tracker/tests/test_retry -> tracker.
test_component = $(notdir $(patsubst %/,%,$(dir $(patsubst %/,%,$(dir $(1))))))
COMPONENTS := $(sort $(foreach t,$(TESTS),$(call test_component,$(t))))

# make check-COMPONENT (check-tracker, check-faultfs, ...): that component's
# tests only, built with what they need and nothing else (the tracker's and
# faultfs's without MPI); make check-COMPONENT-TEST (check-tracker-test_retry):
# one test program.
define component_check
check-$(1): $(foreach t,$(TESTS),$(if $(filter $(1),$(call test_component,$(t))),$(t)))
	$$(call run_tests,$$^)
.PHONY: check-$(1)
endef
define test_check
check-$(call test_component,$(1))-$(notdir $(1)): $(1)
	$$(call run_tests,$(1))
.PHONY: check-$(call test_component,$(1))-$(notdir $(1))
endef
$(foreach c,$(COMPONENTS),$(eval $(call component_check,$(c))))
$(foreach t,$(TESTS),$(eval $(call test_check,$(t))))

# Objects and other intermediate files stay: a second make check rebuilds
# nothing.
.SECONDARY:

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<

# Each fragment adds an install-<component> target to INSTALL_TARGETS.
install: all $(INSTALL_TARGETS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
