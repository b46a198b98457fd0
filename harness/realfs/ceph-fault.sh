# ceph-fault.sh: one round's CephFS fault (trackhammer --during-round runs
# it as the round's jobs start):
#   bash ceph-fault.sh WHAT AT FOR CEPH_DIR LOG_DIR [NODE...]
# WHAT is mds-stop, mds-kill, mds-failover, osd-stop or evict (NODEs: the
# node numbers whose clients are evicted).
#
# AT seconds in, the fault starts; FOR seconds later it is undone:
#   mds-stop      the active MDS gets SIGSTOP, then SIGCONT (stopped longer
#                 than the beacon grace, 5 s, the standby takes over and
#                 the continued one respawns itself as a standby)
#   mds-kill      the active MDS gets SIGKILL (the standby takes over within
#                 the beacon grace), then is started again, same id, as the
#                 launcher starts it
#   mds-failover  ceph mds fail ACTIVE (the standby takes over; the failed
#                 one respawns as a standby); after FOR it is started again
#                 only if it is not back by itself
#   osd-stop      the OSD gets SIGSTOP, then SIGCONT
#   evict         ceph tell mds.ACTIVE client evict id=N for each node's
#                 client (the MDS drops its session and caps and blocklists
#                 it on the OSDs); after FOR its blocklist entry is removed
#                 and the client asked to reconnect (client_reconnect_stale)
# Each action is printed with its UTC time and the round (trackhammer keeps
# it in the run's during-round.log). Ended early (SIGTERM at the round's
# end), the fault is still undone, within 30 s, so no round begins with a
# server down.
#
# Daemons are known by the pid files the launcher writes (CEPH_DIR/pids/
# NAME, one pid each, checked against /proc before any signal); a daemon
# started again here is started in a session of its own (trackhammer ends
# this command's process group with the round) and its pid written there,
# so the launcher's teardown ends it.
set -u
what=$1 at=$2 for_s=$3 ceph_dir=$4 log_dir=$5
shift 5
evict_nodes=("$@")
conf=$ceph_dir/ceph.conf
CLI_S=10

say() { echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) round ${TRACKHAMMER_ROUND:-?}: $*"; }

cli() { timeout "$CLI_S" ceph -c "$conf" "$@" 2>> "$log_dir/ceph-cli.log"; }

# The pid recorded for daemon NAME (mds.a, osd.0), if it is that daemon of
# this run and alive.
daemon_pid() {
    local name=$1 pid cmd
    pid=$(cat "$ceph_dir/pids/$name" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *"ceph-${name%%.*} -c $conf -i ${name#*.} "* ]] || return 1
    echo "$pid"
}

# Every MDS in the map, one "NAME STATE RANK GID" a line (rank -1: standby).
mds_map() {
    cli fs dump --format json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in d.get("standbys", []):
    print(s["name"], s["state"], -1, s["gid"])
for f in d.get("filesystems", []):
    for i in f["mdsmap"]["info"].values():
        print(i["name"], i["state"], i["rank"], i["gid"])' 2>/dev/null
}

# The MDS holding rank 0 (active, or on its way: replay, reconnect, ...).
active_mds() { mds_map | awk '$3 == 0 { print $1; exit }'; }

# MDS NAME's state in the map (up:active, up:standby), empty if absent
# (or if its only entry is the one of gid OLD_GID, a killed instance).
mds_state() { mds_map | awk -v n="$1" -v g="${2:-}" '$1 == n && $4 != g { print $2; exit }'; }
mds_gid() { mds_map | awk -v n="$1" '$1 == n { print $4; exit }'; }

# The map in words: "a up:active, b up:standby".
mds_map_words() { mds_map | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'; }

# MDS NAME started as the launcher starts it, in a session of its own.
start_mds() {
    local name=$1
    setsid ceph-mds -c "$conf" -i "$name" -f >> "$log_dir/ceph-mds-$name.out" 2>&1 < /dev/null &
    echo $! > "$ceph_dir/pids/mds.$name.new" && mv "$ceph_dir/pids/mds.$name.new" "$ceph_dir/pids/mds.$name"
    echo $! >> "$ceph_dir/pids/restarted"
    echo $!
}

# Wait at most SECS seconds for MDS NAME to be in the map (with another
# gid than OLD_GID, if given).
wait_mds_up() {
    local name=$1 end=$((SECONDS + $2)) old_gid=${3:-} state
    while [ "$SECONDS" -lt "$end" ]; do
        state=$(mds_state "$name" "$old_gid")
        [ -n "$state" ] && { echo "$state"; return 0; }
        sleep 0.5
    done
    return 1
}

running_pid() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

client_asok() { echo "$ceph_dir/run/client-node-$1.asok"; }

# A node's client: "ID NONCE" from its admin socket.
client_ident() {
    timeout "$CLI_S" ceph --admin-daemon "$(client_asok "$1")" status 2>> "$log_dir/ceph-cli.log" |
        python3 -c '
import json, sys
s = json.load(sys.stdin)
inst = s.get("inst_str", "")
cid = inst.split()[0].split(".")[1]
print(cid, inst.rsplit("/", 1)[1])'
}

target="" target_pid="" target_gid="" done_fault=0 evicted=() idents=()

# What the fault acts on, found while AT runs (a ceph call takes about a
# second here; rounds may be short): the active MDS, its pid and gid, or
# each evicted node's client id.
find_target() {
    local node
    case $what in
    mds-*)
        target=$(active_mds)
        [ -z "$target" ] || target_pid=$(daemon_pid "mds.$target") || target_pid=""
        [ -z "$target" ] || target_gid=$(mds_gid "$target") ;;
    evict)
        target=$(active_mds)
        for node in "${evict_nodes[@]}"; do
            idents+=("$(client_ident "$node")")
        done ;;
    esac
}

do_fault() {
    case $what in
    mds-stop|mds-kill)
        [ -n "$target" ] || { say "no active MDS found: no $what"; exit 1; }
        [ -n "$target_pid" ] || { say "no pid of mds.$target: no $what"; exit 1; }
        local sig=STOP verb=stopped
        [ "$what" = mds-kill ] && sig=KILL verb=killed
        # marked first: a SIGTERM during the call runs restore right after it
        done_fault=1
        kill "-$sig" "$target_pid" &&
            say "active MDS mds.$target pid $target_pid $verb (SIG$sig) for $for_s s"
        ;;
    mds-failover)
        [ -n "$target" ] || { say "no active MDS found: no failover"; exit 1; }
        done_fault=1
        if cli mds fail "$target" > /dev/null; then
            say "ceph mds fail $target (the active MDS; the standby takes over) for $for_s s"
        else
            say "ceph mds fail $target did not succeed"
        fi
        ;;
    osd-stop)
        target=osd.0
        target_pid=$(daemon_pid osd.0) || { say "no pid of osd.0: no outage"; exit 1; }
        done_fault=1
        kill -STOP "$target_pid" &&
            say "OSD osd.0 pid $target_pid stopped (SIGSTOP) for $for_s s"
        ;;
    evict)
        [ -n "$target" ] || { say "no active MDS found: no eviction"; exit 1; }
        local node ident i
        for ((i = 0; i < ${#evict_nodes[@]}; i++)); do
            node=${evict_nodes[i]} ident=${idents[i]}
            [ -n "$ident" ] || { say "client of node-$node: no id from its admin socket"; continue; }
            done_fault=1
            evicted+=("$node:$ident")
            if cli tell "mds.$target" client evict "id=${ident% *}" > /dev/null; then
                say "client of node-$node (client.${ident% *}) evicted by mds.$target (blocklisted) for $for_s s"
            else
                say "ceph tell mds.$target client evict id=${ident% *} did not succeed"
            fi
        done
        ;;
    esac
}

# Undo the fault; bounded (< 30 s in all), within trackhammer's grace.
restore() {
    trap '' TERM INT HUP
    [ "$done_fault" -eq 1 ] || { say "round ended before the fault ($what)"; exit 0; }
    CLI_S=4
    local state pid
    case $what in
    mds-stop|osd-stop)
        local label=$target
        [ "$what" = osd-stop ] || label=mds.$target
        kill -CONT "$target_pid" 2>/dev/null && say "$label pid $target_pid continued (SIGCONT)"
        [ "$what" = osd-stop ] || say "MDS map: $(mds_map_words)"
        ;;
    mds-kill)
        if running_pid "$target_pid"; then
            say "mds.$target pid $target_pid was not killed: nothing to restart"
            exit 0
        fi
        pid=$(start_mds "$target")
        if state=$(wait_mds_up "$target" 20 "$target_gid"); then
            say "mds.$target started again, pid $pid, $state; MDS map: $(mds_map_words)"
        else
            say "mds.$target started again, pid $pid, not in the MDS map within 20 s"
        fi
        ;;
    mds-failover)
        if state=$(mds_state "$target") && [ -n "$state" ]; then
            say "mds.$target back by itself, $state; MDS map: $(mds_map_words)"
        else
            if pid=$(daemon_pid "mds.$target"); then
                # alive but not in the map: it is respawning; give it time
                state=$(wait_mds_up "$target" 10) &&
                    say "mds.$target back by itself, $state; MDS map: $(mds_map_words)" ||
                    say "mds.$target (pid $pid) not back in the MDS map within 10 s"
            else
                pid=$(start_mds "$target")
                state=$(wait_mds_up "$target" 15) &&
                    say "mds.$target started again, pid $pid, $state; MDS map: $(mds_map_words)" ||
                    say "mds.$target started again, pid $pid, not in the MDS map within 15 s"
            fi
        fi
        ;;
    evict)
        local e node ident nonce entry blocklist end=$((SECONDS + 25))
        blocklist=$(cli osd blocklist ls 2>/dev/null | awk '{print $1}')
        for e in "${evicted[@]}"; do
            node=${e%%:*} ident=${e#*:} nonce=${ident#* }
            # within the bound: a node left out is said so
            [ "$SECONDS" -lt "$end" ] || { say "client of node-$node left evicted (restore bound of 25 s passed)"; continue; }
            for entry in $(echo "$blocklist" | grep "/$nonce\$"); do
                cli osd blocklist rm "$entry" > /dev/null 2>&1 &&
                    say "client of node-$node: blocklist entry $entry removed"
            done
            timeout "$CLI_S" ceph --admin-daemon "$(client_asok "$node")" config set \
                client_reconnect_stale true > /dev/null 2>> "$log_dir/ceph-cli.log" &&
                say "client of node-$node told to reconnect (client_reconnect_stale=true)" ||
                say "client of node-$node does not answer on its admin socket"
        done
        ;;
    esac
    exit 0
}

trap restore TERM INT HUP
sleep "$at" &
sleeper=$!
find_target
wait "$sleeper"
do_fault
sleep "$for_s" & wait $!
restore
