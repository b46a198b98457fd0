#!/usr/bin/env python3
"""bench.py: the driver of `make bench` (issue 7).

Runs each benchmark (bench_overhead, the scaling matrix of trackhammer,
bench_readload, the harness's own cost, the gadi71 matrix with 10 repeats),
keeps their raw rows as CSV in results/bench/<timestamp>/, reduces them to
medians, percentiles and side-by-side ratios with Python's statistics
module, and writes summary.md, which it also prints. It asserts nothing
about time: figures are compared with their targets in the summary only.
harness/bench/README.md says what each part measures and how.
"""

import argparse
import array
import csv
import glob
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GADI71 = ["wal-normal", "delete-normal", "delete-off",
          "delete-off-retry-writes", "delete-off-retry-all"]

FULL = {
    "overhead": {"local": (21, 20), "tmpfs": (21, 50)},  # (pairs, batch)
    "scaling_ranks": [1, 2, 4, 8, 16, 32, 64],
    "scaling_profiles": GADI71,
    "scaling_repeats": 3,
    "readload": {"seconds": 2.0, "repeats": 5, "writers": 2, "readers": 3},
    "harness_rounds": (5, 25),
    "harness_pairs": 3,
    "reproduce_repeat": 10,
}
QUICK = {
    "overhead": {"local": (5, 10), "tmpfs": (5, 20)},
    "scaling_ranks": [1, 4, 16],
    "scaling_profiles": ["wal-normal", "delete-off"],
    "scaling_repeats": 2,
    "readload": {"seconds": 0.5, "repeats": 2, "writers": 2, "readers": 3},
    "harness_rounds": (2, 6),
    "harness_pairs": 2,
    "reproduce_repeat": 1,
}


def log(message):
    print("bench: " + message, file=sys.stderr, flush=True)


def median(values):
    return statistics.median(values) if values else float("nan")


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100), as trackhammer's table uses."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n q / 100)
    return ordered[min(len(ordered), int(rank)) - 1]


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run(command, **kwargs):
    """Run a command, stop the bench with its stderr if it fails."""
    log("$ " + " ".join(shlex.quote(c) for c in command))
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit("bench: failed (status %d): %s" % (result.returncode,
                                                   " ".join(command)))
    return result


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Bench:
    def __init__(self, args):
        self.args = args
        self.plan = QUICK if args.quick else FULL
        self.build = args.build
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.out = os.path.join(args.out, stamp)
        os.makedirs(self.out)
        self.scratch = tempfile.mkdtemp(prefix="th-bench-",
                                        dir=args.local_dir)
        self.commands = []
        self.sections = []
        self.verdicts = []  # one line per target or claim, for the top

    def command(self, text):
        self.commands.append(text)

    def mpirun(self, ranks):
        return shlex.split(self.args.mpirun) + ["--oversubscribe", "-np",
                                                str(ranks)]

    def fresh_dir(self, name, base=None):
        path = os.path.join(base or self.scratch, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    # ---------------------------------------------------------- point 2
    def overhead(self):
        rows = []
        tmpfs_base = tempfile.mkdtemp(prefix="th-bench-",
                                      dir=self.args.tmpfs_dir)
        try:
            for fs, base in (("local", self.scratch), ("tmpfs", tmpfs_base)):
                pairs, batch = self.plan["overhead"][fs]
                command = [os.path.join(self.build, "bench_overhead"),
                           "--dir", self.fresh_dir("overhead", base),
                           "--fs", fs, "--pairs", str(pairs),
                           "--batch", str(batch)]
                self.command(" ".join(command))
                out = run(command).stdout
                rows += [line.split(",") for line in out.splitlines()]
        finally:
            shutil.rmtree(tmpfs_base, ignore_errors=True)
        write_csv(os.path.join(self.out, "overhead.csv"),
                  ["fs", "profile", "pair", "first", "tracker_us_per_job",
                   "floor_us_per_job"], rows)
        summary = []
        for fs in ("local", "tmpfs"):
            for profile in dict.fromkeys(r[1] for r in rows if r[0] == fs):
                mine = [r for r in rows if r[0] == fs and r[1] == profile]
                t = [float(r[4]) for r in mine]
                f = [float(r[5]) for r in mine]
                ratio = median([a / b for a, b in zip(t, f)])
                summary.append([fs, profile, len(mine), "%.1f" % median(t),
                                "%.1f" % median(f), "%.3f" % ratio,
                                "yes" if ratio <= 1.10 else "no"])
        header = ["fs", "profile", "pairs", "tracker_us_per_job_p50",
                  "floor_us_per_job_p50", "ratio_p50", "within_10pct"]
        write_csv(os.path.join(self.out, "overhead-summary.csv"), header,
                  summary)
        met = sum(r[6] == "yes" for r in summary)
        worst = max(summary, key=lambda r: float(r[5]))
        self.verdicts.append(
            "Tracker within 10%% of the bare-SQLite floor: met in %d of %d "
            "profile and file-system cases (worst: %s on %s, ratio %s)." %
            (met, len(summary), worst[1], worst[0], worst[5]))
        self.sections.append((
            "Tracker overhead against the bare-SQLite floor (point 2)",
            "One process, the job's life (open, is_done, mark_running, "
            "mark_completed, close) through the tracker against the floor: "
            "the tracker's own recorded statements replayed with bare "
            "sqlite3 calls on a twin database. Pairs of batches, order "
            "alternating; ratio = median over pairs of tracker/floor. "
            "Target: ratio <= 1.10. Met in %d of %d cases." %
            (met, len(summary)),
            header, summary))

    # ---------------------------------------------------------- point 3
    def trackhammer(self, ranks, run_args, out_dir, db_dir):
        command = self.mpirun(ranks) + [
            os.path.join(self.build, "trackhammer"), "-q", "-d", db_dir,
            "-o", out_dir] + run_args
        started = time.monotonic()
        run(command)
        wall = time.monotonic() - started
        runs = glob.glob(os.path.join(out_dir, "*", "rounds.csv"))
        if len(runs) != 1:
            sys.exit("bench: expected one run under %s" % out_dir)
        run_dir = os.path.dirname(runs[0])
        return (" ".join(command), wall, read_csv(runs[0]),
                read_csv(os.path.join(run_dir, "jobs.csv")))

    def scaling(self):
        profiles = self.plan["scaling_profiles"]
        repeats = self.plan["scaling_repeats"]
        # Profiles interleaved: A,B,...,A,B,... one round each.
        interleaved = ",".join(profiles * repeats)
        db_dir = self.fresh_dir("scaling-db")
        round_rows, summary = [], []
        for ranks in self.plan["scaling_ranks"]:
            for fault in ("none", "lustre"):
                args = ["-p", interleaved, "--work", "0",
                        "--start-jitter", "0", "-f", fault, "-s", "1"]
                cmd, wall, rounds, jobs = self.trackhammer(
                    ranks, args, self.fresh_dir("scaling-out"), db_dir)
                self.command(cmd)
                for r in rounds:
                    wall_s = float(r["wall_s"])
                    round_rows.append([
                        fault, ranks, r["round"], r["profile"], r["jobs"],
                        r["ok"], int(r["jobs"]) - int(r["ok"]) -
                        int(r["skipped"]), r["wall_s"],
                        "%.2f" % (int(r["jobs"]) / wall_s),
                        r["db_time_p50_s"], r["db_time_p99_s"]])
                for profile in profiles:
                    mine = [r for r in rounds if r["profile"] == profile]
                    ids = {r["round"] for r in mine}
                    times = [float(j["db_time_s"]) for j in jobs
                             if j["round"] in ids and j["outcome"] in
                             ("ok", "skipped", "failed")]
                    rates = [int(r["jobs"]) / float(r["wall_s"])
                             for r in mine]
                    not_ok = sum(int(r["jobs"]) - int(r["ok"]) -
                                 int(r["skipped"]) for r in mine)
                    summary.append([
                        fault, ranks, profile, len(mine),
                        sum(int(r["jobs"]) for r in mine), not_ok,
                        "%.1f" % median(rates),
                        "%.1f" % (1e3 * percentile(times, 50)),
                        "%.1f" % (1e3 * percentile(times, 99))])
                log("scaling: %d ranks, fault model %s: %.1f s" %
                    (ranks, fault, wall))
        write_csv(os.path.join(self.out, "scaling-rounds.csv"),
                  ["fault_model", "ranks", "round", "profile", "jobs", "ok",
                   "not_ok", "wall_s", "jobs_per_s", "db_time_p50_s",
                   "db_time_p99_s"], round_rows)
        header = ["fault_model", "ranks", "profile", "rounds", "jobs",
                  "not_ok", "jobs_per_s_p50", "db_ms_p50", "db_ms_p99"]
        write_csv(os.path.join(self.out, "scaling-summary.csv"), header,
                  summary)
        self.sections.append((
            "Contention scaling (point 3)",
            "trackhammer, one job per rank, ranks oversubscribed on 2 cores, "
            "--work 0 --start-jitter 0 (every job at once), profiles "
            "interleaved round by round, %d rounds each; fault model off "
            "and lustre (its default time scale) alternating per rank count. "
            "jobs/s = jobs / round wall time, median over rounds; database "
            "time p50/p99 (ms) over every job that lived its whole life in "
            "those rounds. not_ok: jobs that did not end ok or skipped "
            "(under the lustre model, failures are the point)." % repeats,
            header, summary))

    # ---------------------------------------------------------- point 4
    def readload(self):
        p = self.plan["readload"]
        samples = self.fresh_dir("readload-samples")
        command = [os.path.join(self.build, "bench_readload"),
                   "--dir", self.fresh_dir("readload"), "--samples", samples,
                   "--seconds", str(p["seconds"]),
                   "--repeats", str(p["repeats"]),
                   "--writers", str(p["writers"]),
                   "--readers", str(p["readers"])]
        self.command(" ".join(command))
        out = run(command).stdout
        runs = []
        for line in out.splitlines():
            (index, repeat, profile, readers, seconds, jobs, job_failures,
             polls, poll_failures, locked) = line.split(",")
            polls_ms = self.samples(samples, index, "polls")
            jobs_ms = self.samples(samples, index, "jobs")
            runs.append({
                "run": int(index), "repeat": int(repeat), "profile": profile,
                "readers": int(readers),
                "jobs_per_s": int(jobs) / float(seconds),
                "job_failures": int(job_failures),
                "job_ms_p50": percentile(jobs_ms, 50),
                "job_ms_p99": percentile(jobs_ms, 99),
                "polls_per_s": int(polls) / float(seconds),
                "poll_failures": int(poll_failures),
                "poll_failures_locked": int(locked),
                "poll_ms_p50": percentile(polls_ms, 50),
                "poll_ms_p99": percentile(polls_ms, 99)})
        keys = list(runs[0].keys())
        write_csv(os.path.join(self.out, "readload-runs.csv"), keys,
                  [[("%.3f" % r[k]) if isinstance(r[k], float) else r[k]
                    for k in keys] for r in runs])
        summary = []
        for readers in sorted({r["readers"] for r in runs}):
            for profile in dict.fromkeys(r["profile"] for r in runs):
                mine = [r for r in runs if r["profile"] == profile and
                        r["readers"] == readers]
                wal = {r["repeat"]: r for r in runs
                       if r["profile"] == "wal-normal" and
                       r["readers"] == readers}
                ratio = median([r["jobs_per_s"] / wal[r["repeat"]]
                                ["jobs_per_s"] for r in mine
                                if r["repeat"] in wal])
                poll_ratio = median([r["poll_ms_p50"] / wal[r["repeat"]]
                                     ["poll_ms_p50"] for r in mine
                                     if r["repeat"] in wal and readers])
                med = lambda k: median([r[k] for r in mine])
                summary.append([
                    profile, readers, len(mine), "%.0f" % med("jobs_per_s"),
                    "%.2f" % ratio, "%.2f" % med("job_ms_p50"),
                    "%.2f" % med("job_ms_p99"),
                    sum(r["job_failures"] for r in mine),
                    "%.0f" % med("polls_per_s") if readers else "",
                    "%.3f" % med("poll_ms_p50") if readers else "",
                    "%.3f" % med("poll_ms_p99") if readers else "",
                    "%.2f" % poll_ratio if readers else "",
                    "%d (%d locked)" % (
                        sum(r["poll_failures"] for r in mine),
                        sum(r["poll_failures_locked"] for r in mine))
                    if readers else ""])
        shutil.rmtree(samples, ignore_errors=True)
        for r in summary:
            if r[0] == "delete-off":
                self.verdicts.append(
                    "DELETE against WAL (the pull request's \"no measurable "
                    "impact\"), %d readers: delete-off writers at %sx "
                    "wal-normal's jobs/s%s." % (
                        r[1], r[4], "" if not r[1] else
                        "; reader p50 %sx wal-normal's, reader p99 %s ms "
                        "against %s ms" % (r[11], r[10], next(
                            w[10] for w in summary if w[0] == "wal-normal"
                            and w[1] == r[1]))))
        header = ["profile", "readers", "runs", "writer_jobs_per_s_p50",
                  "jobs_per_s_vs_wal", "job_ms_p50", "job_ms_p99",
                  "job_failures", "polls_per_s_p50", "poll_ms_p50",
                  "poll_ms_p99", "poll_p50_vs_wal", "poll_failures"]
        write_csv(os.path.join(self.out, "readload-summary.csv"), header,
                  summary)
        self.sections.append((
            "DELETE against WAL under a heavy read load (point 4)",
            "%d writer processes live job after job on one database on the "
            "local disk for %.1f s per run, alone (0 readers) and with %d "
            "readers polling without pause (1 monitor: list_unfinished + "
            "take_monitor_requests; %d dashboards: list_unfinished), %d "
            "repeats, profiles and reader counts interleaved. Per run: "
            "writer jobs/s, job and poll time percentiles (ms); here the "
            "median over runs. *_vs_wal: median over repeats of the ratio to "
            "wal-normal's run of the same repeat and reader count." %
            (p["writers"], p["seconds"], p["readers"], p["readers"] - 1,
             p["repeats"]),
            header, summary))

    @staticmethod
    def samples(directory, index, role):
        values = array.array("d")
        path = os.path.join(directory, "run-%s-%s.f64" % (index, role))
        with open(path, "rb") as f:
            values.frombytes(f.read())
        return [v * 1e3 for v in values]

    # ---------------------------------------------------------- point 5
    def harness_cost(self):
        db_dir = self.fresh_dir("harness-db")
        few, many = self.plan["harness_rounds"]
        rows, outside = [], {few: [], many: []}
        # Short and long runs interleaved, so the machine's moods fall on
        # both; the time outside rounds is compared median to median.
        for attempt in range(self.plan["harness_pairs"]):
            for rounds in (few, many):
                args = ["-p", "delete-off", "-n", "1", "-r", str(rounds),
                        "--work", "0", "--start-jitter", "0", "-f", "none"]
                cmd, wall, round_rows, jobs = self.trackhammer(
                    1, args, self.fresh_dir("harness-out"), db_dir)
                if attempt == 0:
                    self.command(cmd)
                outside[rounds].append(
                    wall - sum(float(r["wall_s"]) for r in round_rows))
                for r, j in zip(round_rows, jobs):
                    rows.append([rounds, attempt, r["round"], r["wall_s"],
                                 j["wall_s"], j["db_time_s"]])
        write_csv(os.path.join(self.out, "harness-rounds.csv"),
                  ["rounds_in_run", "run", "round", "round_wall_s",
                   "job_wall_s", "job_db_time_s"], rows)
        in_child = median([float(r[4]) - float(r[5]) for r in rows])
        around = median([float(r[3]) - float(r[4]) for r in rows])
        db = median([float(r[5]) for r in rows])
        # Between rounds (set-up, verification, results): the slope of the
        # command's time outside rounds against the number of rounds.
        between = (median(outside[many]) - median(outside[few])) / (many - few)
        header = ["figure", "ms_per_job", "target"]
        summary = [
            ["job database time (p50)", "%.2f" % (db * 1e3), ""],
            ["in the job's child, outside tracker calls (p50)",
             "%.2f" % (in_child * 1e3), ""],
            ["isolation + reaping + monitor, per round (p50)",
             "%.2f" % (around * 1e3), ""],
            ["harness per job in a round (the two above)",
             "%.2f" % ((in_child + around) * 1e3), "< 2 ms: %s" %
             ("met" if in_child + around < 0.002 else "not met")],
            ["between rounds: set-up, verification, results",
             "%.2f" % (between * 1e3), ""],
        ]
        repeat = self.plan["reproduce_repeat"]
        out_dir = self.fresh_dir("reproduce-out")
        command = [self.args.make, "--no-print-directory", "reproduce",
                   "REPRODUCE_REPEAT=%d" % repeat,
                   "REPRODUCE_ARGS=-q --output %s" % out_dir]
        self.command(" ".join(shlex.quote(c) for c in command))
        started = time.monotonic()
        run(command)
        wall = time.monotonic() - started
        rounds = read_csv(glob.glob(os.path.join(out_dir, "*",
                                                 "rounds.csv"))[0])
        summary.append([
            "make reproduce REPRODUCE_REPEAT=%d: wall time (s), %d rounds "
            "of 71 jobs" % (repeat, len(rounds)), "%.1f s" % wall,
            "< 120 s for 10 repeats: %s" % (
                ("met" if wall < 120 else "not met") if repeat == 10
                else "not measured (quick run)")])
        write_csv(os.path.join(self.out, "harness-summary.csv"), header,
                  summary)
        self.verdicts.append(
            "Harness under 2 ms per job: %s ms per job at one job per round "
            "(%s ms in the child, the rest isolation, reaping and the "
            "monitor): %s." % (summary[3][1], summary[1][1],
                               summary[3][2].split(": ")[1]))
        self.verdicts.append(
            "gadi71 with 10 repeats under 2 minutes on 2 cores: %s (%s)." %
            (summary[5][1], summary[5][2].split(": ")[1]))
        self.sections.append((
            "Harness cost (point 5)",
            "trackhammer -np 1, one job per round, delete-off, --work 0 "
            "--start-jitter 0, no fault model: runs of %d and %d rounds, "
            "interleaved, %d of each. From "
            "jobs.csv and rounds.csv: the job's child lifetime minus its "
            "database time, and the round's wall time minus the child's "
            "lifetime (fork, reaping on SIGCHLD, the monitor's fork and "
            "stop, barriers). Between rounds: (command time - sum of round "
            "times), medians, its slope from %d to %d rounds. Then the gadi71 matrix "
            "under the lustre model, 71 ranks, timed as a whole." %
            (few, many, self.plan["harness_pairs"], few, many),
            header, summary))

    # ---------------------------------------------------------- summary
    def environment(self):
        sqlite = run(["sqlite3", "--version"]).stdout.split()[0] \
            if shutil.which("sqlite3") else "?"
        mpi = subprocess.run(shlex.split(self.args.mpirun) + ["--version"],
                             stdout=subprocess.PIPE, text=True
                             ).stdout.splitlines()
        return [
            "host %s, %d cores, %s" % (os.uname().nodename, os.cpu_count(),
                                       os.uname().release),
            "SQLite %s; %s" % (sqlite, mpi[0] if mpi else "MPI ?"),
            "local disk: %s; tmpfs: %s" % (self.args.local_dir,
                                           self.args.tmpfs_dir),
        ]

    def write_summary(self, load_before, load_after, elapsed):
        lines = ["# make bench: %s" % os.path.basename(self.out), ""]
        lines.append("- %s run, %.0f s in all." %
                     ("quick (BENCH_QUICK=1)" if self.args.quick else "full",
                      elapsed))
        lines += ["- " + e for e in self.environment()]
        lines.append("- The machine was shared with other sessions working "
                     "at the same time: load average %s before, %s after "
                     "(1, 5, 15 min)." % (load_before, load_after))
        lines.append("- Raw rows and per-section summaries: the CSV files "
                     "beside this one; harness/bench/README.md says how "
                     "each figure is made.")
        lines += ["", "## Against the targets", ""]
        lines += ["- " + v for v in self.verdicts]
        for title, text, header, rows in self.sections:
            lines += ["", "## " + title, "", text, "",
                      "| " + " | ".join(header) + " |",
                      "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(str(c) for c in r) + " |"
                      for r in rows]
        lines += ["", "## Commands", "", "```sh"] + self.commands + ["```"]
        text = "\n".join(lines) + "\n"
        with open(os.path.join(self.out, "summary.md"), "w") as f:
            f.write(text)
        return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--out", default="results/bench")
    parser.add_argument("--local-dir", default="/tmp")
    parser.add_argument("--tmpfs-dir", default="/dev/shm")
    parser.add_argument("--mpirun", default="mpirun")
    parser.add_argument("--make", default="make")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="overhead,scaling,readload,harness",
                        help="comma-separated parts to run")
    args = parser.parse_args()
    bench = Bench(args)
    load_before = loadavg()
    started = time.monotonic()
    parts = {"overhead": bench.overhead, "scaling": bench.scaling,
             "readload": bench.readload, "harness": bench.harness_cost}
    try:
        for name in args.only.split(","):
            log("== " + name)
            parts[name]()
    finally:
        shutil.rmtree(bench.scratch, ignore_errors=True)
    text = bench.write_summary(load_before, loadavg(),
                               time.monotonic() - started)
    print(text)
    log("results in " + bench.out)


if __name__ == "__main__":
    main()
