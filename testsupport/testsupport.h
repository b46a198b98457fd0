/*
 * testsupport.h: what every component's tests share. Only tests link it.
 */
#ifndef TESTSUPPORT_H
#define TESTSUPPORT_H

/* A fresh directory "$TMPDIR/<prefix>-XXXXXX" ($TMPDIR or /tmp),
 * malloc'd; NULL if it could not be made. */
char *scratch_dir_make(const char *prefix);

/* Remove the directory and everything below it (links are not followed). */
void scratch_dir_remove(const char *dir);

#endif
