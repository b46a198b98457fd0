# cluster.sh: one run inside th-realfs's namespace (sourced by th-realfs).
#
# This shell is the namespace's PID 1: when it ends, the kernel ends every
# process left in the namespace and drops its mounts. Before that it tears
# down in order (clients, then servers, by the pids it recorded), each step
# bounded, so servers can flush and logs say how they stopped.
#
# A file system is a set of functions named after it (glusterfs.sh, cephfs.sh,
# sshfs.sh): FS_up starts its servers, FS_mount NAME DIR mounts one client,
# FS_describe prints the fs-info lines about it, FS_during_round prints the
# command for trackhammer --during-round (or nothing), FS_down stops its
# servers.

STOP_GRACE_S=10
# A client that does not unmount within this goes lazily.
UMOUNT_S=10
MPIRUN_STOP_S=120
server_pids=()
client_pids=()
client_dirs=()
run_status=0

log_dir() { echo "$run_dir/log"; }

# A private host: loopback up, a /run, a /dev/shm and an /etc/hosts of the
# run's own (servers write sockets and pid files there), the servers' state
# and log directories bound to the run directory, so nothing outside it is
# written.
private_host() {
    ip link set lo up
    mkdir -p "$run_dir/run" "$run_dir/log" "$run_dir/tmp" "$run_dir/shared" "$run_dir/mnt"
    mount -t tmpfs -o mode=0755,size=64m th-realfs-run /run
    # Open MPI's shared-memory segments are named by host, job and pid, and
    # every run's private PID namespace numbers them alike: two runs at once
    # on one /dev/shm would map each other's (a crash in the vader BTL).
    mount -t tmpfs -o mode=1777 th-realfs-shm /dev/shm
    mkdir -p /run/gluster /run/sshd
    printf '127.0.0.1 localhost\n127.0.0.1 %s\n' "$server_host" > "$run_dir/hosts"
    mount --bind "$run_dir/hosts" /etc/hosts
    export TMPDIR=$run_dir/tmp
}

# Wait until DIR is a mount point, at most SECONDS; 0 when it is.
wait_for_mount() {
    local dir=$1 seconds=$2 i
    for ((i = 0; i < seconds * 10; i++)); do
        mountpoint -q "$dir" && return 0
        sleep 0.1
    done
    return 1
}

# The client options a preset gives (its function, PRESET_OPTIONS) and
# the user added, one a line.
client_options() {
    "$1"
    printf '%s\n' ${mount_options[@]+"${mount_options[@]}"} | sed '/^$/d'
}

# The fs-info line of the client options, DEFAULTS when there are none.
describe_client_options() {
    local client
    client=$(client_options "$1" | paste -sd, -)
    echo "client_options: ${client:-$2}"
}

# The client just started in the background: its pid and mount point
# recorded, its mount awaited for SECONDS (LOG says why it did not come).
track_client() {
    local name=$1 dir=$2 seconds=$3 log=$4
    client_pids+=($!)
    client_dirs+=("$dir")
    wait_for_mount "$dir" "$seconds" ||
        { note "$fs client $name did not mount (see $log)"; return 1; }
}

# End the PIDs together: SIGTERM (and SIGCONT, for a process an outage
# stopped), then SIGKILL for any not gone within STOP_GRACE_S in all.
stop_pids() {
    local pid i
    for pid in "$@"; do
        running "$pid" || continue
        kill -TERM "$pid" 2>/dev/null || true
        kill -CONT "$pid" 2>/dev/null || true
    done
    for ((i = 0; i < STOP_GRACE_S * 10; i++)); do
        for pid in "$@"; do running "$pid" && break; done
        running "$pid" || return 0
        sleep 0.1
    done
    for pid in "$@"; do
        kill -KILL "$pid" 2>/dev/null || true
        # reaped here, so the shell does not announce it as "Killed"
        ! wait_gone "$pid" 10 || wait "$pid" 2>/dev/null || true
    done
}

# The servers' logs go into the results of this run (the trackhammer run
# directory whose database was ours), or beside them if trackhammer did not
# get that far, so a run or a failed start can be read after the run
# directory is gone; skipped when they are too large.
keep_logs() {
    local size target="" d
    for d in "$output"/*/; do
        grep -qsF "\"$run_dir/shared/db\"" "$d/summary.json" && target=${d%/}/realfs-logs
    done
    [ -n "$target" ] || target=$output/realfs-logs-$(basename "$run_dir")
    size=$(du -sm "$(log_dir)" 2>/dev/null | cut -f1)
    if [ "${size:-0}" -le 64 ]; then
        cp -r "$(log_dir)" "$target" 2>/dev/null || true
    else
        note "the servers' logs ($size MB) are not copied; keep them with --keep"
    fi
}

# Clients first (lazily where a job still holds a file or a client does not
# answer within UMOUNT_S), then the servers; every step bounded, so the
# whole stays within TEARDOWN_S.
teardown() {
    trap '' INT TERM HUP
    local dir i
    if [ ${#client_dirs[@]} -gt 0 ]; then
        timeout "$UMOUNT_S" umount "${client_dirs[@]}" 2>/dev/null || true
        for dir in "${client_dirs[@]}"; do
            ! mountpoint -q "$dir" || umount -l "$dir" 2>/dev/null || true
        done
    fi
    stop_pids ${client_pids[@]+"${client_pids[@]}"}
    "${fs}_down" || true
    for ((i = ${#server_pids[@]} - 1; i >= 0; i--)); do stop_pids "${server_pids[i]}"; done
    keep_logs
}

# Mount K node clients and the verifying one; DB_DIR made through node 0.
mount_clients() {
    local k
    for ((k = 0; k < nodes; k++)); do
        mkdir -p "$run_dir/mnt/node-$k"
        "${fs}_mount" "node-$k" "$run_dir/mnt/node-$k" || return 1
    done
    mkdir -p "$run_dir/mnt/verify"
    mount_verifier || return 1
    mkdir "$run_dir/mnt/node-0/db"
}

# The verifying client is mounted with the coherent preset's client
# options and none of the user's, whatever the nodes use: it keeps no
# attribute or page of its own across rounds, so a stale one can neither
# hide nor invent a loss. (Volume options are the volume's, for every
# client; each round's database is a new file no cache has seen.)
mount_verifier() {
    local node_preset=$preset rc=0
    local node_options=(${mount_options[@]+"${mount_options[@]}"})
    preset=coherent
    mount_options=()
    "${fs}_mount" verify "$run_dir/mnt/verify" || rc=1
    preset=$node_preset
    mount_options=(${node_options[@]+"${node_options[@]}"})
    return $rc
}

# What trackhammer puts in its header and summary.json about the ground.
write_fs_info() {
    {
        echo "# written by th-realfs; read by trackhammer --fs-info"
        "${fs}_describe"
        echo "preset: $preset"
        echo "nodes: $nodes FUSE client mounts, one per node; ranks $placement"
        echo "verify_client: verify (one more client mount, used by no job, with the coherent preset's client options)"
        echo "servers: on this machine, in a private network namespace (loopback only)"
    } > "$run_dir/fs-info"
}

# mpirun with every rank in its node's mount namespace (rank.sh).
run_trackhammer() {
    local during=() cmd
    cmd=$("${fs}_during_round")
    [ -z "$cmd" ] || during=(--during-round "$cmd")
    export TH_REALFS_SHARED=$run_dir/shared TH_REALFS_MOUNTS=$run_dir/mnt
    export TH_REALFS_NODES=$nodes TH_REALFS_RANKS=$ranks TH_REALFS_PLACEMENT=$placement
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    mpirun --oversubscribe -np "$ranks" \
        "$BASH" "$lib/rank.sh" "$trackhammer" \
        --db-dir "$run_dir/shared/db" --verify-dir "$run_dir/mnt/verify/db" \
        --fs-info "$run_dir/fs-info" --output "$output" \
        ${during[@]+"${during[@]}"} "${th_args[@]}" &
    mpirun_pid=$!
    # A trapped signal ends a wait early: then wait again, for the ranks to
    # write their completed rounds (trackhammer bounds that itself), at most
    # MPIRUN_STOP_S in all.
    local waited=0
    while :; do
        run_status=0
        wait "$mpirun_pid" || run_status=$?
        running "$mpirun_pid" || break
        [ -n "$stopped_by" ] || continue
        wait_gone "$mpirun_pid" $((MPIRUN_STOP_S * 10)) && continue
        note "mpirun did not end within $MPIRUN_STOP_S s of the stop; killed"
        kill -KILL "$mpirun_pid" 2>/dev/null || true
        wait "$mpirun_pid" 2>/dev/null || true
        break
    done
}

on_stop() {
    note "stopping on SIG$1: the ranks write their completed rounds, then the file system is taken down"
    stopped_by=$1
    [ -z "${mpirun_pid:-}" ] || kill "-$1" "$mpirun_pid" 2>/dev/null || true
}

cluster_main() {
    stopped_by=""
    mpirun_pid=""
    server_host=th-realfs-server
    trap 'on_stop INT' INT
    trap 'on_stop TERM' TERM
    trap 'on_stop HUP' HUP
    trap teardown EXIT
    private_host
    "${fs}_up" || { note "$fs could not be brought up; its logs go to $output"; exit 3; }
    mount_clients || { note "a client mount failed; the logs go to $output"; exit 3; }
    write_fs_info
    [ -z "$stopped_by" ] || exit $((128 + $(kill -l "$stopped_by")))
    run_trackhammer
    [ -z "$stopped_by" ] || exit $((128 + $(kill -l "$stopped_by")))
    exit "$run_status"
}
