#!/usr/bin/env bash
# slurm-cluster.sh start|stop DIR: a one-node Slurm cluster on localhost,
# everything in DIR (Debian's slurm-wlm and munge), for the tests.
#
#   start  writes DIR/slurm.conf and a munge key, starts munged, slurmctld
#          and slurmd (as the calling user: root in CI), and waits (bounded,
#          60 s) until the node is idle. Prints the lines to source for the
#          client commands (SLURM_CONF=...). Status 0 ready; 3 when a local
#          Slurm cannot run here, for one of exactly three reasons, each
#          with its own one-line message on stderr ("slurm-cluster: ...",
#          the last line; the tests skip and show it):
#            - munged, slurmctld or slurmd is not installed;
#            - munged does not start (Slurm's authentication);
#            - slurmctld does not start;
#          1 when anything else went wrong (slurmd does not start, the node
#          does not become idle): the tests fail. The daemons started are
#          stopped in either case.
#   stop   stops every daemon started in DIR by its pid file, SIGKILL after
#          5 s, and waits for them to go.
#
# Ports are chosen from the caller's pid, so two clusters (or a system's
# own slurmctld) do not meet. The node claims 8 CPUs whatever the machine
# has (SlurmdParameters=config_overrides), so N single jobs and their
# merge can all be placed.
set -uo pipefail

action=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

# stop_daemons: each daemon by its pid file, bounded.
stop_daemons() {
    local name pid i
    for name in slurmd slurmctld munged; do
        [ -f "$dir/$name.pid" ] || continue
        pid=$(cat "$dir/$name.pid")
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || continue
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        rm -f "$dir/$name.pid"
    done
    return 0
}

if [ "$action" = stop ]; then
    stop_daemons
    exit 0
fi
[ "$action" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

for program in munged slurmctld slurmd; do
    command -v "$program" >/dev/null || [ -x "/usr/sbin/$program" ] || {
        echo "slurm-cluster: $program is not installed (apt-get install slurm-wlm munge), so no local Slurm can run" >&2
        exit 3
    }
done
export PATH=$PATH:/usr/sbin
mkdir -p "$dir/state" "$dir/spool" "$dir/munge" "$dir/log"
chmod 700 "$dir/munge"
user=$(id -un)
host=$(hostname -s)
base=$((20000 + ($$ % 4000) * 3))

# The munge key: 1 KiB of randomness, only for this cluster.
head -c 1024 /dev/urandom >"$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"
munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munge.seed" --force >"$dir/log/munged.out" 2>&1 || {
    echo "slurm-cluster: munged (Slurm's authentication) did not start, so slurmctld cannot: $(tail -q -n 3 "$dir/log/munged.out" "$dir/log/munged.log" 2>/dev/null | tr '\n' ' ')" >&2
    stop_daemons
    exit 3
}

cat >"$dir/slurm.conf" <<EOF
ClusterName=thtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=8 RealMemory=16000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=60 State=UP
EOF
export SLURM_CONF=$dir/slurm.conf

slurmctld -c -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1
started=$?
sleep 0.5
if [ $started -ne 0 ] || ! { [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; }; then
    echo "slurm-cluster: slurmctld did not start: $(tail -q -n 3 "$dir/log/slurmctld.log" "$dir/log/slurmctld.out" 2>/dev/null | tr '\n' ' ')" >&2
    stop_daemons
    exit 3
fi
slurmd -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 || {
    echo "slurm-cluster: slurmd did not start: $(tail -n 3 "$dir/log/slurmd.log" 2>/dev/null | tr '\n' ' ')" >&2
    stop_daemons
    exit 1
}
for ((i = 0; i < 600; i++)); do
    state=$(sinfo -h -n "$host" -o %t 2>/dev/null)
    case $state in idle*) break ;; esac
    sleep 0.1
done
case $state in
idle*) ;;
*)
    echo "slurm-cluster: the node did not become idle within 60 s (state '$state'): $(tail -n 3 "$dir/log/slurmd.log" 2>/dev/null | tr '\n' ' ')" >&2
    stop_daemons
    exit 1
    ;;
esac
echo "export SLURM_CONF=$SLURM_CONF"
