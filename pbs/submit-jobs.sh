#!/usr/bin/env bash
# submit-jobs.sh [pbs|slurm]: the original topology. N independent batch
# jobs, one per task, share one database, as the real batch driver ran
# them (one qsub per variable); a final job verifies and merges them.
#
# Run on the login node, from the top of the trackhammer checkout:
#   TH_JOBS=71 TH_PROFILE=delete-off TH_DB_DIR=/scratch/ab12/$USER/th \
#   TH_SUBMIT_ARGS="-P ab12 -l storage=scratch/ab12+gdata/ab12" pbs/submit-jobs.sh pbs
# single-job.pbs and merge.pbs name the placeholder project CHANGE_ME in
# their -P and -l storage= directives: give yours in TH_SUBMIT_ARGS (qsub's
# command line wins over the directives) or replace it in the scripts.
#
# Steps:
#   1. trackhammer --prepare (the batch driver, here): a fresh database with
#      every task, and the run directory TH_OUTPUT/<run-id>/ with the plan;
#   2. N jobs (single-job.pbs / single-job.sbatch), each submitted HELD, so
#      none starts before all are queued;
#   3. the merge job (merge.pbs / merge.sbatch), afterany on all N: it runs
#      whatever their ends, and writes the usual results into the run
#      directory (and report.md, by th-report);
#   4. all N released at once (qrls / scontrol release): the start storm.
# Released together, they start as the scheduler finds room for them: on
# a busy cluster that can spread the start, which the record of each job
# (start_epoch in summary.json) shows.
#
# Parameters (besides pbs/common.sh's TH_HOME, TH_BIN, TH_MODULES,
# TH_DB_DIR, TH_OUTPUT and TH_ARGS, the options given to --prepare):
#   TH_JOBS         jobs, one per task                   [71]
#   TH_PROFILE      the tracker profile of the round     [delete-off]
#   TH_SUBMIT_ARGS  options for every qsub/sbatch, e.g. "-P ab12 -l
#                   storage=scratch/ab12+gdata/ab12" or "-A ab12 -p work"
# Prints the run directory and the merge job's id, and writes every job id
# to RUN_DIR/batch-jobs. Exit status 0 when all were submitted; if a
# submission fails, the jobs already submitted are deleted.
set -euo pipefail

scheduler=${1:-pbs}
case $scheduler in
pbs | slurm) ;;
*) echo "usage: $0 [pbs|slurm]" >&2; exit 2 ;;
esac
TH_HOME=${TH_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
export TH_HOME
# shellcheck source=common.sh
. "$TH_HOME/pbs/common.sh"
TH_JOBS=${TH_JOBS:-71}
TH_PROFILE=${TH_PROFILE:-delete-off}
TH_SUBMIT_ARGS=${TH_SUBMIT_ARGS:-}
submitted=()

# submit_job SCRIPT INDEX|- [DEPENDENCY_IDS]: one job, held when it is one
# of the N (INDEX), after all of DEPENDENCY_IDS when it is the merge; its
# id on stdout. Only what the job needs is passed: every trackhammer option
# is in the plan.
submit_job() {
    local script=$1 index=$2 after=${3:-}
    local vars="TH_HOME=$TH_HOME,TH_BIN=$TH_BIN,TH_REPORT=$TH_REPORT,TH_MODULES=$TH_MODULES,TH_RUN_DIR=$run_dir"
    # shellcheck disable=SC2086
    if [ "$scheduler" = pbs ]; then
        if [ "$index" != - ]; then
            qsub -h -N "th-job-$index" -v "$vars,TH_JOB_INDEX=$index" \
                $TH_SUBMIT_ARGS "$TH_HOME/pbs/$script.pbs"
        else
            qsub -W "depend=afterany:$after" -v "$vars" $TH_SUBMIT_ARGS \
                "$TH_HOME/pbs/$script.pbs"
        fi
    else
        # sbatch exports the environment: no commas to quote.
        if [ "$index" != - ]; then
            TH_RUN_DIR=$run_dir TH_JOB_INDEX=$index sbatch --parsable --hold \
                --job-name "th-job-$index" $TH_SUBMIT_ARGS \
                "$TH_HOME/pbs/$script.sbatch"
        else
            TH_RUN_DIR=$run_dir sbatch --parsable --dependency "afterany:$after" \
                $TH_SUBMIT_ARGS "$TH_HOME/pbs/$script.sbatch"
        fi
    fi
}

# withdraw: a submission failed; delete what was submitted, so no held job
# is left behind.
withdraw() {
    th_say "a submission failed; deleting the ${#submitted[@]} job(s) already submitted"
    if [ ${#submitted[@]} -gt 0 ]; then
        if [ "$scheduler" = pbs ]; then qdel "${submitted[@]}" || true
        else scancel "${submitted[@]}" || true; fi
    fi
    exit 1
}

th_load_modules
th_check_program
mkdir -p "$TH_DB_DIR" "$TH_OUTPUT"
# shellcheck disable=SC2086
run_dir=$("$TH_BIN" --prepare --jobs "$TH_JOBS" --profiles "$TH_PROFILE" \
    --db-dir "$TH_DB_DIR" --output "$TH_OUTPUT" $TH_ARGS)

for ((i = 0; i < TH_JOBS; i++)); do
    id=$(submit_job single-job "$i") || withdraw
    id=${id%%;*} # sbatch --parsable: "id;cluster"
    submitted+=("$id")
done
merge=$(submit_job merge - "$(IFS=:; echo "${submitted[*]}")") || withdraw
merge=${merge%%;*}
printf '%s\n' "${submitted[@]}" >"$run_dir/batch-jobs"
echo "merge $merge" >>"$run_dir/batch-jobs"
if [ "$scheduler" = pbs ]; then
    qrls "${submitted[@]}"
else
    scontrol release "$(IFS=,; echo "${submitted[*]}")"
fi
th_say "released ${#submitted[@]} job(s); merge job $merge writes the results"
echo "$run_dir"
echo "$merge"
