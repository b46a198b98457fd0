# standin.sh: what the PBS stand-in's commands share (sourced, not run).
#
# The stand-in keeps every job in a spool directory, one folder per job
# (PBS_STANDIN_SPOOL, default ${TMPDIR:-/tmp}/pbs-standin-$(id -un)):
#   state        H held, Q queued, R running, F finished
#   exit_status  as PBS reports it: the script's status, 256+N after signal N
#   name queue ncpus walltime project resources depend workdir out err
#   script env jobpid
# Every file is written whole and renamed into place, so a reader never
# sees half a value.

PBS_STANDIN_SPOOL=${PBS_STANDIN_SPOOL:-${TMPDIR:-/tmp}/pbs-standin-$(id -un)}
PBS_STANDIN_SERVER=${PBS_STANDIN_SERVER:-standin}
# How long a job may wait in the queue (held, or for its dependencies)
# before the stand-in deletes it: nothing waits forever.
PBS_STANDIN_QUEUE_LIMIT=${PBS_STANDIN_QUEUE_LIMIT:-900}

# standin_die MESSAGE: the command's one line of error, status 2.
standin_die() {
    echo "$(basename "$0"): $*" >&2
    exit 2
}

# standin_usage ARGS...: --help prints the usage (the script's header
# comment) and exits 0; any other
# long option is refused by name. PBS's own commands take no long
# options but --version, so nothing else can be meant.
standin_usage() {
    local a
    for a in "$@"; do
        case $a in
        --help)
            sed -n '2,${/^#/!q;s/^# \{0,1\}//;p}' "$0"
            exit 0 ;;
        --) return 0 ;;
        --*) standin_die "unknown option '$a' (see --help)" ;;
        esac
    done
}

# standin_put JOBDIR KEY VALUE: one value, atomically.
standin_put() {
    printf '%s\n' "$3" >"$1/$2.tmp.$$" && mv -f "$1/$2.tmp.$$" "$1/$2"
}

# standin_get JOBDIR KEY: one value, or nothing.
standin_get() {
    [ -f "$1/$2" ] && cat "$1/$2"
    return 0
}

# standin_jobdir ID: the folder of job ID ("12" or "12.server"), or fail.
standin_jobdir() {
    local seq=${1%%.*}
    case $seq in '' | *[!0-9]*) return 1 ;; esac
    [ -d "$PBS_STANDIN_SPOOL/jobs/$seq" ] || return 1
    echo "$PBS_STANDIN_SPOOL/jobs/$seq"
}

# standin_kill_job JOBDIR: end a running job's process group and its
# runner; the runner records the end if it still can.
standin_kill_job() {
    local jobpid
    jobpid=$(standin_get "$1" jobpid)
    [ -n "$jobpid" ] && kill -KILL -- "-$jobpid" 2>/dev/null
    return 0
}
