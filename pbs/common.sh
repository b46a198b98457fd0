# pbs/common.sh: what every batch script of trackhammer shares (sourced).
#
# The batch scripts (PBS: *.pbs, Slurm: *.sbatch, and submit-jobs.sh) only
# set their scheduler's directives and call one function here, so the
# steps are written once for both schedulers. A scheduler runs a copy of
# the script from its spool, so the scripts find this file through
# TH_HOME, the trackhammer checkout: by default the directory the job was
# submitted from (PBS_O_WORKDIR, SLURM_SUBMIT_DIR), i.e. submit from the
# checkout's top directory.
#
# Parameters, every one overridable (qsub -v NAME=VALUE, or the
# environment for sbatch, which exports it):
#   TH_HOME       the checkout                    [the submission directory]
#   TH_BIN        the trackhammer program         [$TH_HOME/build/trackhammer]
#   TH_REPORT     th-report, run after a merge    [$TH_HOME/build/th-report]
#   TH_MODULES    modules to load, as at build    [openmpi]
#   TH_DB_DIR     the shared database's directory, on the file system under
#                 test  [/scratch/$PROJECT/$USER/trackhammer-db/JOB on Gadi,
#                 else $TH_HOME/trackhammer-db/JOB; JOB the batch job id,
#                 or submit-TIME-PID for submit-jobs.sh]
#   TH_OUTPUT     where results/<run-id>/ go      [$TH_HOME/results]
#   TH_ARGS       more trackhammer options, e.g. "--fault-model none -w 1800"
#   MPI job:      TH_RANKS [the job's CPUs], TH_PROFILES [gadi71's five],
#                 TH_REPEAT [1], TH_MPIRUN [mpirun],
#                 TH_MPIRUN_ARGS ["--map-by node": ranks spread over nodes]
#   single jobs:  TH_RUN_DIR and TH_JOB_INDEX (set by submit-jobs.sh)

TH_HOME=${TH_HOME:-${PBS_O_WORKDIR:-${SLURM_SUBMIT_DIR:-$PWD}}}
TH_BIN=${TH_BIN:-$TH_HOME/build/trackhammer}
TH_REPORT=${TH_REPORT:-$TH_HOME/build/th-report}
TH_MODULES=${TH_MODULES-openmpi}
TH_OUTPUT=${TH_OUTPUT:-$TH_HOME/results}
TH_ARGS=${TH_ARGS:-}
# One database directory per submission by default: a run holds its
# directory for its whole life, and a second run there is refused.
if [ -z "${TH_DB_DIR:-}" ]; then
    if [ -n "${PROJECT:-}" ] && [ -d "/scratch/$PROJECT" ]; then
        TH_DB_DIR=/scratch/$PROJECT/$USER/trackhammer-db
    else
        TH_DB_DIR=$TH_HOME/trackhammer-db
    fi
    TH_DB_DIR=$TH_DB_DIR/${PBS_JOBID:-${SLURM_JOB_ID:-submit-$(date +%Y%m%d-%H%M%S)-$$}}
fi

# th_say MESSAGE: a line on the job's log.
th_say() {
    echo "trackhammer-batch: $*" >&2
}

# th_load_modules: the modules the program was built with. Where there is
# no module command (a laptop, the stand-in), the environment is used as
# it is, and the log says so.
th_load_modules() {
    [ -n "$TH_MODULES" ] || return 0
    if ! command -v module >/dev/null 2>&1; then
        for init in /etc/profile.d/modules.sh /usr/share/lmod/lmod/init/bash; do
            # shellcheck disable=SC1090
            [ -r "$init" ] && . "$init" && break
        done
    fi
    if command -v module >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        module load $TH_MODULES || { th_say "module load $TH_MODULES failed"; return 1; }
    else
        th_say "no module command here: TH_MODULES ($TH_MODULES) not loaded, the environment is used as is"
    fi
}

# th_check_program: the program exists, or one clear line.
th_check_program() {
    [ -x "$TH_BIN" ] || { th_say "no trackhammer at '$TH_BIN': build it (make) or set TH_BIN"; return 2; }
}

# th_mpi_job RANKS: the whole matrix as one MPI job.
th_mpi_job() {
    local ranks=${TH_RANKS:-$1} selection
    th_load_modules && th_check_program || return
    mkdir -p "$TH_DB_DIR" "$TH_OUTPUT"
    if [ -n "${TH_PROFILES:-}" ]; then
        selection="--profiles $TH_PROFILES"
    else
        selection="--matrix gadi71"
    fi
    th_say "$ranks ranks; database in $TH_DB_DIR; results in $TH_OUTPUT"
    # shellcheck disable=SC2086
    ${TH_MPIRUN:-mpirun} -np "$ranks" ${TH_MPIRUN_ARGS---map-by node} \
        "$TH_BIN" $selection --repeat "${TH_REPEAT:-1}" \
        --db-dir "$TH_DB_DIR" --output "$TH_OUTPUT" $TH_ARGS
}

# th_single_job: one job of a prepared run (submit-jobs.sh set the run
# directory and the index).
th_single_job() {
    : "${TH_RUN_DIR:?set by submit-jobs.sh}" "${TH_JOB_INDEX:?set by submit-jobs.sh}"
    th_load_modules && th_check_program || return
    "$TH_BIN" --single-job "$TH_JOB_INDEX" --run-dir "$TH_RUN_DIR"
}

# th_merge: after every job of the run: verify, write the results, and the
# report beside them when th-report is there.
th_merge() {
    : "${TH_RUN_DIR:?set by submit-jobs.sh}"
    th_load_modules && th_check_program || return
    "$TH_BIN" --merge "$TH_RUN_DIR" || return
    if [ -x "$TH_REPORT" ]; then
        (cd "$TH_HOME" && "$TH_REPORT" "$TH_RUN_DIR" >"$TH_RUN_DIR/report.md") ||
            th_say "th-report failed; the results are in $TH_RUN_DIR"
    fi
    th_say "merged: $TH_RUN_DIR"
}
