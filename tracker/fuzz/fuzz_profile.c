/*
 * fuzz_profile.c: libFuzzer target for the tracker's profile specification
 * (tracker_profile_parse, "NAME[,key=value...]"). The input is the spec.
 * What must hold: no crash, no undefined behaviour, an error always comes
 * with a message, and every knob of a parsed profile reads back through
 * tracker_profile_get into a value tracker_profile_set accepts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "tracker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = malloc(size + 1);
    if (!spec) {
        return 0;
    }
    memcpy(spec, data, size);
    spec[size] = '\0';
    tracker_profile profile;
    char err[512] = "", value[512], line[2048];
    int rc = tracker_profile_parse(spec, &profile, err, sizeof err);
    if (rc != SQLITE_OK && err[0] == '\0') {
        abort(); /* an error a person cannot act on */
    }
    if (rc == SQLITE_OK) {
        tracker_profile_describe(&profile, line, sizeof line);
        for (size_t i = 0; tracker_profile_knob(i); i++) {
            const char *knob = tracker_profile_knob(i);
            /* a fresh name: a long spec may have filled the copy's with
             * overrides, and set refuses to record one more */
            tracker_profile copy = profile;
            char again[512];
            snprintf(copy.name, sizeof copy.name, "fuzz");
            if (tracker_profile_get(&profile, knob, value, sizeof value) !=
                    SQLITE_OK ||
                tracker_profile_set(&copy, knob, value, err, sizeof err) !=
                    SQLITE_OK ||
                tracker_profile_get(&copy, knob, again, sizeof again) !=
                    SQLITE_OK ||
                strcmp(value, again) != 0) {
                abort(); /* a knob that does not read back */
            }
        }
    }
    free(spec);
    return 0;
}
