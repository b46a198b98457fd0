# cephfs.sh: a CephFS of one monitor, one OSD on memstore and two metadata
# servers (one active, one standby) on this machine, and its ceph-fuse
# clients (sourced by th-realfs inside its namespace; see cluster.sh for the
# functions a file system provides).
#
# No manager daemon and no authentication: neither is needed to serve a
# file system, and both would add start-up time and keys. Every daemon's
# data, sockets, pid files and logs are under RUN_DIR/ceph, named in the
# run's own ceph.conf, so nothing is written outside the run directory.
# Each client has its own pid file and admin socket, so K can run at once.
# Each daemon's pid is also written to RUN_DIR/ceph/pids/NAME (mon.a, osd.0,
# mds.a, mds.b), where ceph-fault.sh (--outage, run by trackhammer outside
# this shell) finds the daemon to stop and writes the pid of an MDS it
# starts again, so the teardown ends that one too.

CEPH_START_S=60
CEPH_MON_ADDR=127.0.0.1:3300

# The preset's client options, as ceph-fuse's --option=value words.
cephfs_preset_client_options() {
    [ "$preset" = coherent ] || return 0
    printf '%s\n' fuse_disable_pagecache=true
}

cephfs_conf() { echo "$run_dir/ceph/ceph.conf"; }

# The ceph command line tool on this cluster, bounded.
cephfs_cli() {
    timeout 15 ceph -c "$(cephfs_conf)" "$@" 2>> "$(log_dir)/ceph-cli.log"
}

cephfs_write_conf() {
    local dir=$run_dir/ceph
    cat > "$(cephfs_conf)" <<EOF
[global]
fsid = $1
mon host = v2:$CEPH_MON_ADDR
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
ms bind ipv6 = false
run dir = $dir/run
log file = $(log_dir)/\$name.log
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
mds data = $dir/mds/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 1073741824
# a standby takes over within seconds, not the default 15 s
mds beacon interval = 1
mds beacon grace = 5
mon tick interval = 1
EOF
    # --volume-option: Ceph settings of the run (every daemon and client)
    if [ ${#volume_options[@]} -gt 0 ]; then
        echo "# --volume-option"
        local option
        for option in "${volume_options[@]}"; do
            echo "${option%%=*} = ${option#*=}"
        done
    fi >> "$(cephfs_conf)"
}

# Each --volume-option a Ceph setting this Ceph knows, or a note naming it.
cephfs_check_volume_options() {
    local option
    for option in ${volume_options[@]+"${volume_options[@]}"}; do
        timeout 15 ceph-conf -c /dev/null --show-config-value "${option%%=*}" > /dev/null 2>&1 ||
            { note "--volume-option ${option%%=*}: not a Ceph setting of $(ceph --version | cut -d' ' -f1-3)"; return 1; }
    done
}

# Waits until `ceph ARGS` prints a line matching PATTERN, or the start-up
# bound passes.
cephfs_wait_for() {
    local pattern=$1 i
    shift
    for ((i = 0; i < CEPH_START_S * 5; i++)); do
        cephfs_cli "$@" 2>/dev/null | grep -q "$pattern" && return 0
        sleep 0.2
    done
    return 1
}

# One daemon in the foreground of a background process, so its pid is ours.
cephfs_daemon() {
    local program=$1 id=$2
    "$program" -c "$(cephfs_conf)" -i "$id" -f >> "$(log_dir)/$program-$id.out" 2>&1 &
    server_pids+=($!)
    echo $! > "$run_dir/ceph/pids/${program#ceph-}.$id"
}

# PID, if it is a daemon of this run's ceph.conf (not a pid since reused).
cephfs_our_daemon() {
    local cmd
    cmd=$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null) || return 1
    [[ $cmd == "ceph-"*" -c $(cephfs_conf) -i "* ]]
}

cephfs_up() {
    local dir=$run_dir/ceph fsid osd_uuid osd_id pool
    mkdir -p "$dir/run" "$dir/pids" "$dir/mon" "$dir/osd" "$dir/mds/ceph-a" "$dir/mds/ceph-b" \
        "$(log_dir)" || return 1
    cephfs_check_volume_options || return 1
    fsid=$(cat /proc/sys/kernel/random/uuid) || return 1
    cephfs_write_conf "$fsid" || return 1
    monmaptool --create --addv a "[v2:$CEPH_MON_ADDR]" --fsid "$fsid" "$dir/monmap" \
        >> "$(log_dir)/ceph-cli.log" 2>&1 || return 1
    ceph-mon -c "$(cephfs_conf)" --mkfs -i a --monmap "$dir/monmap" --keyring /dev/null \
        >> "$(log_dir)/ceph-cli.log" 2>&1 || return 1
    cephfs_daemon ceph-mon a
    cephfs_wait_for quorum status || { note "the ceph monitor did not start (see $(log_dir))"; return 1; }
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    osd_id=$(cephfs_cli osd new "$osd_uuid") || return 1
    mkdir -p "$dir/osd/ceph-$osd_id" &&
        ceph-osd -c "$(cephfs_conf)" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" \
            >> "$(log_dir)/ceph-cli.log" 2>&1 || return 1
    cephfs_daemon ceph-osd "$osd_id"
    for pool in cephfs_data cephfs_metadata; do
        cephfs_cli osd pool create "$pool" 8 > /dev/null &&
            cephfs_cli osd pool set "$pool" size 1 --yes-i-really-mean-it > /dev/null || return 1
    done
    cephfs_cli fs new cephfs cephfs_metadata cephfs_data > /dev/null || return 1
    cephfs_daemon ceph-mds a
    cephfs_daemon ceph-mds b
    cephfs_wait_for "up:active.*up:standby\|up:standby.*up:active" mds stat ||
        { note "no active and standby metadata server (see $(log_dir))"; return 1; }
}

cephfs_mount() {
    local name=$1 dir=$2 option options=()
    for option in $(client_options cephfs_preset_client_options); do
        options+=("--$option")
    done
    ceph-fuse -c "$(cephfs_conf)" -f --pid-file "$run_dir/ceph/run/client-$name.pid" \
        --admin-socket "$run_dir/ceph/run/client-$name.asok" \
        --log-file "$(log_dir)/client-$name.log" ${options[@]+"${options[@]}"} \
        "$dir" >> "$(log_dir)/client-$name.out" 2>&1 &
    track_client "$name" "$dir" "$CEPH_START_S" "$(log_dir)/client-$name.log"
}

cephfs_describe() {
    echo "file_system: cephfs $(ceph --version | sed -n 's/^ceph version \([^ ]*\).*/\1/p'), one monitor, one OSD (memstore), two MDS (active and standby), ceph-fuse clients"
    describe_client_options cephfs_preset_client_options "ceph-fuse's defaults"
    local settings
    settings=$(printf '%s\n' ${volume_options[@]+"${volume_options[@]}"} | sed '/^$/d' | paste -sd, -)
    echo "volume_options: pools of size 1, no authentication${settings:+, ceph.conf: $settings}"
    [ -z "$outage" ] || echo "faults: $(cephfs_outage_words)"
}

# The --outage in words, for fs-info's "faults:".
cephfs_outage_words() {
    local what=${outage%%:*} rest=${outage#*:} at for_s nodes
    at=${rest%%:*} for_s=${rest#*:}
    case $what in
    mds-stop) echo "CephFS MDS outage every round: the active MDS stopped (SIGSTOP) $at s after the jobs start, continued (SIGCONT) $for_s s later (the standby takes over if that is beyond the 5 s beacon grace)" ;;
    mds-kill) echo "CephFS MDS crash every round: the active MDS killed (SIGKILL) $at s after the jobs start (the standby takes over), started again as a standby $for_s s later" ;;
    mds-failover) echo "CephFS MDS failover every round: ceph mds fail of the active MDS $at s after the jobs start (the standby takes over), the failed one back as a standby (started again if not back by itself) $for_s s later" ;;
    osd-stop) echo "CephFS OSD outage every round: the OSD stopped (SIGSTOP) $at s after the jobs start, continued (SIGCONT) $for_s s later" ;;
    evict*)
        nodes=$(cephfs_evict_nodes | sed 's/^/node-/' | paste -sd, -)
        echo "CephFS client eviction every round: the client(s) of $nodes evicted by the active MDS (ceph tell mds client evict: session and caps dropped, client blocklisted) $at s after the jobs start; $for_s s later the blocklist entry removed and the client asked to reconnect (client_reconnect_stale=true)" ;;
    esac
}

# The node numbers --outage evict[=N,...] names, one a line (node 0 alone).
cephfs_evict_nodes() {
    local what=${outage%%:*}
    case $what in
    evict) echo 0 ;;
    evict=*) echo "${what#evict=}" | tr , '\n' ;;
    esac
}

cephfs_during_round() {
    [ -n "$outage" ] || return 0
    local what=${outage%%:*} rest=${outage#*:} nodes=()
    [[ $what != evict* ]] || { mapfile -t nodes < <(cephfs_evict_nodes); what=evict; }
    printf '%q ' "$BASH" "$lib/ceph-fault.sh" "$what" "${rest%%:*}" "${rest#*:}" \
        "$run_dir/ceph" "$(log_dir)" ${nodes[@]+"${nodes[@]}"}
}

# The metadata servers at once (each takes seconds to give up its rank):
# the two started, and any ceph-fault.sh started again (its pids file; a
# pid checked to be a daemon of this run first); the OSD and the monitor
# then go with the other server pids (continued first, if an outage left
# one stopped).
cephfs_down() {
    local pids=("${server_pids[@]:2}") pid
    if [ -f "$run_dir/ceph/pids/restarted" ]; then
        while read -r pid; do
            [[ $pid =~ ^[0-9]+$ ]] && cephfs_our_daemon "$pid" && pids+=("$pid")
        done < "$run_dir/ceph/pids/restarted"
    fi
    stop_pids "${pids[@]}"
}
