/*
 * fuzz_faultfs_config.c: libFuzzer target for faultfs's configuration
 * string (faultfs_config_parse). The input is the string. What must hold:
 * no crash, no undefined behaviour, an error always comes with a message,
 * and a configuration that parses describes itself as a string that
 * parses back to the same description.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "faultfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static faultfs_config parsed, again;
    static char described[16384], redescribed[16384];
    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    char err[512] = "";
    int rc = faultfs_config_parse(text, &parsed, err, sizeof err);
    if (rc != SQLITE_OK && err[0] == '\0') {
        abort(); /* an error a person cannot act on */
    }
    if (rc == SQLITE_OK) {
        faultfs_config_describe(&parsed, described, sizeof described);
        if (faultfs_config_parse(described, &again, err, sizeof err) !=
            SQLITE_OK) {
            abort(); /* describe wrote something parse refuses */
        }
        faultfs_config_describe(&again, redescribed, sizeof redescribed);
        if (strcmp(described, redescribed) != 0) {
            abort(); /* describe and parse disagree */
        }
    }
    free(text);
    return 0;
}
