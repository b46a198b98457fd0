/*
 * variables.c: the names of the tasks, as a CMIP post-processing run has
 * them: one batch job per "table.variable".
 */
#include "trackhammer.h"

#include <stdio.h>

static const char *const names[] = {
    "Amon.tas",   "Amon.pr",         "Amon.psl",      "Amon.uas",
    "Amon.vas",   "Amon.huss",       "Amon.hurs",     "Amon.rsds",
    "Amon.rlds",  "Amon.rsus",       "Amon.rlus",     "Amon.rsdt",
    "Amon.rsut",  "Amon.rlut",       "Amon.clt",      "Amon.ts",
    "Amon.ta",    "Amon.ua",         "Amon.va",       "Amon.zg",
    "Amon.hus",   "Amon.prc",        "Amon.evspsbl",  "Amon.tauu",
    "Amon.tauv",  "Amon.hfls",       "Amon.hfss",     "Amon.prw",
    "Amon.clwvi", "Amon.sfcWind",    "Omon.tos",      "Omon.sos",
    "Omon.zos",   "Omon.thetao",     "Omon.so",       "Omon.uo",
    "Omon.vo",    "Omon.wo",         "Omon.mlotst",   "Omon.hfds",
    "Omon.wfo",   "Omon.tauuo",      "Omon.tauvo",    "Omon.msftmz",
    "Lmon.mrso",  "Lmon.mrro",       "Lmon.lai",      "Lmon.gpp",
    "Lmon.npp",   "Lmon.cVeg",       "Lmon.cSoil",    "Lmon.tsl",
    "Lmon.mrsos", "SImon.siconc",    "SImon.sithick", "SImon.sivol",
    "SImon.snd",  "SImon.sitemptop", "day.tas",       "day.pr",
    "day.tasmax", "day.tasmin",      "day.psl",       "day.sfcWind",
    "3hr.tas",    "3hr.pr",          "3hr.huss",      "6hrPlev.ua",
    "6hrPlev.va", "6hrPlev.zg",      "fx.areacella",
};
#define NAME_COUNT (int)(sizeof names / sizeof names[0])

/* Beyond the list, names repeat with an ensemble suffix, still unique. */
void variable_name(int index, char *buf, size_t size)
{
    if (index < NAME_COUNT)
        snprintf(buf, size, "%s", names[index]);
    else
        snprintf(buf, size, "%s.r%d", names[index % NAME_COUNT],
                 index / NAME_COUNT + 1);
}
