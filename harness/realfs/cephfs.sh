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
}

cephfs_up() {
    local dir=$run_dir/ceph fsid osd_uuid osd_id pool
    mkdir -p "$dir/run" "$dir/mon" "$dir/osd" "$dir/mds/ceph-a" "$dir/mds/ceph-b" \
        "$(log_dir)" || return 1
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
    echo "volume_options: pools of size 1, no authentication"
}

cephfs_during_round() { :; }

# Both metadata servers at once (each takes seconds to give up its rank);
# the OSD and the monitor then go with the other server pids.
cephfs_down() {
    stop_pids "${server_pids[@]:2}"
}
