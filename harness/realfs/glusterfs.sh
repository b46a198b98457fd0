# glusterfs.sh: one GlusterFS volume with one brick on this machine, and its
# FUSE clients (sourced by th-realfs inside its namespace; see cluster.sh
# for the functions a file system provides).
#
# glusterd refuses localhost and 127.0.0.1 as a brick's host but takes a
# name that resolves to 127.0.0.1 (the namespace's own /etc/hosts), and a
# brick in an ordinary directory when created with "force". Its state
# (/var/lib/glusterd) and logs (/var/log/glusterfs) are bind mounts of the
# run directory, so nothing it writes outlives the run.

GLUSTER_VOLUME=threalfs
GLUSTER_START_S=30

# The preset's volume options: Gluster's defaults (cached), or every
# client-side performance translator that caches or reorders off.
glusterfs_preset_volume_options() {
    [ "$preset" = coherent ] || return 0
    printf '%s\n' performance.write-behind=off performance.read-ahead=off \
        performance.io-cache=off performance.quick-read=off \
        performance.stat-prefetch=off performance.open-behind=off \
        performance.readdir-ahead=off
}

# The preset's client options, as the glusterfs client's long options.
glusterfs_preset_client_options() {
    [ "$preset" = coherent ] || return 0
    printf '%s\n' direct-io-mode=enable attribute-timeout=0 entry-timeout=0 \
        negative-timeout=0
}

# The debug translators' options for --error-gen and --delay-gen.
glusterfs_fault_volume_options() {
    if [ -n "$error_gen" ]; then
        local fops=${error_gen%%:*} errno_name rate=${error_gen##*:}
        errno_name=$(echo "$error_gen" | cut -d: -f2)
        printf '%s\n' debug.error-gen=posix "debug.error-fops=${fops//,/|}"
        if [ "$rate" = random ]; then
            printf '%s\n' debug.random-failure=on "debug.error-number=$errno_name"
        else
            printf '%s\n' "debug.error-failure=$rate%"
        fi
    fi
    if [ -n "$delay_gen" ]; then
        local fops=${delay_gen%%:*} rest=${delay_gen#*:}
        printf '%s\n' debug.delay-gen=posix "delay-gen.enable=${fops}" \
            "delay-gen.delay-percentage=${rest%%:*}%" \
            "delay-gen.delay-duration=${rest#*:}"
    fi
}

glusterfs_cli() {
    timeout "$GLUSTER_START_S" gluster --mode=script "$@" >> "$(log_dir)/cli-output.log" 2>&1
}

# A brick needs trusted.* extended attributes: use the run directory when
# it has them, else a loop-mounted ext4 image inside it.
glusterfs_brick_dir() {
    local brick=$run_dir/brick
    mkdir -p "$brick"
    if python3 -c 'import os,sys; os.setxattr(sys.argv[1], "trusted.th-realfs", b"1")' "$brick" 2>/dev/null; then
        echo "$brick"
        return 0
    fi
    truncate -s 2G "$run_dir/brick.img" && mkfs.ext4 -q -F "$run_dir/brick.img" &&
        mount -o loop "$run_dir/brick.img" "$brick" && mkdir -p "$brick/b" &&
        echo "$brick/b"
}

glusterfs_up() {
    local state=$run_dir/glusterd brick option
    mkdir -p "$state" "$(log_dir)" /var/lib/glusterd /var/log/glusterfs || return 1
    # the option groups (gluster volume set V group G), not the hooks
    [ ! -d /var/lib/glusterd/groups ] || cp -a /var/lib/glusterd/groups "$state/" || return 1
    # glusterd writes nowhere outside the run directory, or does not start
    mount --bind "$state" /var/lib/glusterd || return 1
    mount --bind "$(log_dir)" /var/log/glusterfs || return 1
    glusterd -N -p /run/gluster/glusterd.pid &
    server_pids+=($!)
    # glusterd answers once its management port listens
    local i
    for ((i = 0; i < GLUSTER_START_S * 10; i++)); do
        glusterfs_cli volume list && break
        running "${server_pids[0]}" || return 1
        sleep 0.1
    done
    brick=$(glusterfs_brick_dir) || return 1
    glusterfs_cli volume create "$GLUSTER_VOLUME" "$server_host:$brick" force || return 1
    for option in $(glusterfs_preset_volume_options; glusterfs_fault_volume_options) \
        ${volume_options[@]+"${volume_options[@]}"}; do
        glusterfs_cli volume set "$GLUSTER_VOLUME" "${option%%=*}" "${option#*=}" ||
            { note "gluster volume set ${option%%=*} ${option#*=} was refused (see $(log_dir)/cli-output.log)"; return 1; }
    done
    glusterfs_cli volume start "$GLUSTER_VOLUME" || return 1
    for ((i = 0; i < GLUSTER_START_S * 10; i++)); do
        [ -s "$(glusterfs_brick_pid_file)" ] && break
        sleep 0.1
    done
    [ -s "$(glusterfs_brick_pid_file)" ]
}

glusterfs_brick_pid_file() {
    local f
    for f in /run/gluster/vols/"$GLUSTER_VOLUME"/*.pid; do
        [ -e "$f" ] && { echo "$f"; return 0; }
    done
    echo /run/gluster/vols/"$GLUSTER_VOLUME"/none.pid
}

# One client in the foreground of a background process, so its pid is ours.
glusterfs_mount() {
    local name=$1 dir=$2 option options=()
    for option in $(client_options glusterfs_preset_client_options); do
        options+=("--$option")
    done
    glusterfs -N ${options[@]+"${options[@]}"} --volfile-server="$server_host" \
        --volfile-id="$GLUSTER_VOLUME" -l "$(log_dir)/client-$name.log" "$dir" &
    track_client "$name" "$dir" "$GLUSTER_START_S" "$(log_dir)/client-$name.log"
}

glusterfs_describe() {
    local volume
    volume=$(timeout 15 gluster --mode=script volume info "$GLUSTER_VOLUME" 2>/dev/null |
        sed -n '/^Options Reconfigured:/,$p' | sed 1d | sed 's/: /=/' | paste -sd, -)
    echo "file_system: glusterfs $(glusterfs --version | sed -n '1s/^glusterfs //p'), one volume, one brick"
    describe_client_options glusterfs_preset_client_options "Gluster's defaults"
    echo "volume_options: ${volume:-none}"
    glusterfs_describe_faults
}

glusterfs_describe_faults() {
    local faults=()
    [ -z "$error_gen" ] || faults+=("$(glusterfs_error_gen_words)")
    [ -z "$delay_gen" ] || faults+=("debug/delay-gen on the brick: $(echo "$delay_gen" | cut -d: -f2)% of ${delay_gen%%:*} delayed ${delay_gen##*:} us")
    [ -z "$outage" ] || faults+=("brick outage every round: $(glusterfs_outage_words)")
    [ ${#faults[@]} -eq 0 ] || echo "faults: $(printf '%s; ' "${faults[@]}" | sed 's/; $//')"
}

glusterfs_error_gen_words() {
    local fops=${error_gen%%:*} rate=${error_gen##*:} errno_name
    errno_name=$(echo "$error_gen" | cut -d: -f2)
    if [ "$rate" = random ]; then
        echo "debug/error-gen on the brick: $fops fail with $errno_name, one in every 3 to 44 (random-failure mode)"
    else
        echo "debug/error-gen on the brick: $rate% of $fops fail, errno drawn from each operation's list in error-gen"
    fi
}

glusterfs_outage_words() {
    local how=${outage%%:*} rest=${outage#*:}
    local verb=stopped; [ "$how" = kill ] && verb=killed
    echo "brick process $verb (SIG${how^^}) ${rest%%:*} s after the jobs start, for ${rest#*:} s"
}

glusterfs_during_round() {
    [ -n "$outage" ] || return 0
    local how=${outage%%:*} rest=${outage#*:}
    printf '%q ' "$BASH" "$lib/outage.sh" "$how" "${rest%%:*}" "${rest#*:}" \
        "$(glusterfs_brick_pid_file)" "$GLUSTER_VOLUME"
}

# The volume stopped before its servers, so the brick shuts down cleanly.
glusterfs_down() {
    local brick_pid
    brick_pid=$(cat "$(glusterfs_brick_pid_file)" 2>/dev/null) || true
    [ -z "$brick_pid" ] || kill -CONT "$brick_pid" 2>/dev/null || true
    running "${server_pids[0]:-0}" && timeout 15 gluster --mode=script volume stop "$GLUSTER_VOLUME" force \
        >> "$(log_dir)/cli-output.log" 2>&1 || true
    [ -z "$brick_pid" ] || stop_pids "$brick_pid"
    ! mountpoint -q "$run_dir/brick" || umount "$run_dir/brick" 2>/dev/null || umount -l "$run_dir/brick" || true
}
