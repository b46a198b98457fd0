# rank.sh: one MPI rank of a th-realfs run, on its node (run by mpirun as
# "bash rank.sh TRACKHAMMER ARGS...").
#
# The rank enters a mount namespace of its own in which the shared
# directory is its node's client mount, so every rank opens the database at
# the same path, as on a cluster, while ranks of different nodes go through
# different clients (their own page cache, attribute cache and locks).
set -euo pipefail

rank=${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-}}
[ -n "$rank" ] || { echo "rank.sh: no rank in the environment (run by mpirun)" >&2; exit 1; }
: "${TH_REALFS_SHARED:?}" "${TH_REALFS_MOUNTS:?}" "${TH_REALFS_NODES:?}" "${TH_REALFS_RANKS:?}" "${TH_REALFS_PLACEMENT:?}"

if [ "$TH_REALFS_PLACEMENT" = block ]; then
    per_node=$(( (TH_REALFS_RANKS + TH_REALFS_NODES - 1) / TH_REALFS_NODES ))
    node=$(( rank / per_node ))
else
    node=$(( rank % TH_REALFS_NODES ))
fi

export TRACKHAMMER_NODE=node-$node
exec unshare --mount --propagation private -- "$BASH" -c '
    mount --bind "$1" "$2" || exit 1
    shift 2
    exec "$@"' rank-on-node "$TH_REALFS_MOUNTS/node-$node" "$TH_REALFS_SHARED" "$@"
