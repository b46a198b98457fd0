# outage.sh: one round's brick outage (trackhammer --during-round runs it as
# the round's jobs start): "bash outage.sh stop|kill AT FOR PIDFILE VOLUME".
#
# AT seconds in, the brick process is stopped (SIGSTOP: the server hangs,
# its clients wait) or killed (SIGKILL: it is gone, its clients get errors);
# FOR seconds later it is continued, or started again by glusterd. Each
# action is printed with its time (trackhammer keeps it in the run's
# during-round.log). Ended early (trackhammer ends it with the round), it
# still continues or restarts the brick, so no round begins with the
# server down.
set -u
how=$1 at=$2 for_s=$3 pid_file=$4 volume=$5

say() { echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) round ${TRACKHAMMER_ROUND:-?}: $*"; }

brick_pid() { cat "$pid_file" 2>/dev/null; }

restore() {
    if [ "$how" = stop ]; then
        kill -CONT "$stopped_pid" 2>/dev/null && say "brick pid $stopped_pid continued (SIGCONT)"
    else
        # at most 30 s in all, within trackhammer's grace for this command
        timeout 20 gluster --mode=script volume start "$volume" force >/dev/null 2>&1 ||
            say "gluster volume start force did not succeed"
        local i
        for ((i = 0; i < 100; i++)); do
            [ "$(brick_pid)" != "$stopped_pid" ] && kill -0 "$(brick_pid)" 2>/dev/null && break
            sleep 0.1
        done
        if [ "$(brick_pid)" != "$stopped_pid" ] && kill -0 "$(brick_pid)" 2>/dev/null; then
            say "brick restarted (gluster volume start force), pid $(brick_pid)"
        else
            say "brick not back within 30 s"
        fi
    fi
    exit 0
}

stopped_pid=""
sleep "$at" & wait $!
stopped_pid=$(brick_pid)
[ -n "$stopped_pid" ] || { say "no brick pid in $pid_file: no outage"; exit 1; }
trap restore TERM INT HUP
kill "-${how^^}" "$stopped_pid" && say "brick pid $stopped_pid ${how/stop/stopp}ed (SIG${how^^}) for $for_s s"
sleep "$for_s" & wait $!
restore
