# sshfs.sh: an sshd of the run's own on loopback, and K sshfs mounts of one
# directory through it (sourced by th-realfs inside its namespace; see
# cluster.sh for the functions a file system provides).
#
# Each mount is its own ssh connection and SFTP session, with its own FUSE
# page cache; POSIX locks are never sent over SFTP, so each mount's locks
# are its own. The host key, the client key and authorized_keys live in
# the run directory; nothing of the user's (~/.ssh) is read or written.

SSHFS_PORT=2222
SSHFS_START_S=20

sshfs_preset_options() {
    [ "$preset" = coherent ] || return 0
    printf '%s\n' dir_cache=no direct_io
}

sshfs_up() {
    local keys=$run_dir/ssh i
    mkdir -p "$keys" "$run_dir/export" "$(log_dir)" && chmod 700 "$keys" || return 1
    ssh-keygen -q -t ed25519 -N '' -C th-realfs-host -f "$keys/host_key" &&
        ssh-keygen -q -t ed25519 -N '' -C th-realfs-client -f "$keys/client_key" || return 1
    cp "$keys/client_key.pub" "$keys/authorized_keys" || return 1
    echo "[127.0.0.1]:$SSHFS_PORT $(cut -d' ' -f1-2 "$keys/host_key.pub")" > "$keys/known_hosts" || return 1
    cat > "$keys/sshd_config" <<EOF || return 1
ListenAddress 127.0.0.1:$SSHFS_PORT
HostKey $keys/host_key
AuthorizedKeysFile $keys/authorized_keys
PidFile /run/sshd/th-realfs.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
    /usr/sbin/sshd -D -e -f "$keys/sshd_config" 2>> "$(log_dir)/sshd.log" &
    server_pids+=($!)
    for ((i = 0; i < SSHFS_START_S * 10; i++)); do
        sshfs_ssh true 2>/dev/null && return 0
        running "${server_pids[0]}" || return 1
        sleep 0.1
    done
    return 1
}

# ssh with the run's own keys and no configuration file of the user's.
sshfs_ssh_command() {
    local keys=$run_dir/ssh words
    words=$(printf '%s ' ssh -F /dev/null -p "$SSHFS_PORT" -i "$keys/client_key" \
        -o IdentitiesOnly=yes -o "UserKnownHostsFile=$keys/known_hosts" \
        -o StrictHostKeyChecking=yes -o BatchMode=yes)
    echo "${words% }"
}

sshfs_ssh() {
    # shellcheck disable=SC2046 # the command's words, none with spaces
    timeout 10 $(sshfs_ssh_command) "$(id -un)@127.0.0.1" "$@"
}

sshfs_mount() {
    local name=$1 dir=$2 option options=()
    for option in $(client_options sshfs_preset_options); do
        options+=(-o "$option")
    done
    sshfs -f -o "ssh_command=$(sshfs_ssh_command)" ${options[@]+"${options[@]}"} \
        "$(id -un)@127.0.0.1:$run_dir/export" "$dir" 2>> "$(log_dir)/sshfs-$name.log" &
    track_client "$name" "$dir" "$SSHFS_START_S" "$(log_dir)/sshfs-$name.log"
}

sshfs_describe() {
    echo "file_system: sshfs $(sshfs --version 2>&1 | sed -n 's/^SSHFS version //p' | head -n 1), over $(ssh -V 2>&1 | cut -d, -f1) on loopback; locks are local to each mount"
    describe_client_options sshfs_preset_options "sshfs's defaults"
    echo "volume_options: none (an sshd export of a local directory)"
}

sshfs_during_round() { :; }
sshfs_down() { :; }
