#!/usr/bin/env python3
"""bench.py: the driver of `make bench`.

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

FULL = {
    "overhead": {"local": (21, 20), "tmpfs": (21, 50)},  # (pairs, batch)
    "scaling_ranks": [1, 2, 4, 8, 16, 32, 64],
    "scaling_repeats": 3,
    "readload": {"seconds": 2.0, "repeats": 5, "writers": 2, "readers": 3},
    # (jobs per round = ranks), rounds per run, pairs of runs
    "harness_sizes": [71, 16, 1],
    "harness_rounds": 10,
    "harness_pairs": 3,
    "reproduce_ranks": 71,
    "reproduce_repeat": 10,
}
QUICK = {
    "overhead": {"local": (5, 10), "tmpfs": (5, 20)},
    "scaling_ranks": [1, 4],
    "scaling_repeats": 1,
    "readload": {"seconds": 0.5, "repeats": 1, "writers": 2, "readers": 3},
    "harness_sizes": [8, 1],
    "harness_rounds": 3,
    "harness_pairs": 1,
    "reproduce_ranks": 16,
    "reproduce_repeat": 1,
}


def builtin_profiles(build):
    """The built-in profiles as `trackhammer --list-profiles` prints them,
    in order: (name, published run or None). A profile's line starts at the
    margin (NAME RUN DESCRIPTION, RUN "-" when none); its knobs follow,
    indented."""
    listing = subprocess.run([os.path.join(build, "trackhammer"),
                              "--list-profiles"], check=True,
                             capture_output=True, text=True).stdout
    rows = []
    for line in listing.splitlines():
        if line and not line[0].isspace():
            name, run = line.split()[:2]
            rows.append((name, None if run == "-" else run))
    return rows


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
        profiles = builtin_profiles(self.build)
        # Every built-in profile, and the gadi71 matrix: those with a
        # published run, as trackhammer --matrix gadi71 runs them.
        self.all_profiles = [name for name, _ in profiles]
        self.gadi71 = [name for name, run in profiles if run]
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
    def run_trackhammer(self, ranks, run_args, out_dir, db_dir, env=None):
        """One trackhammer command, timed: (command line, wall seconds)."""
        command = self.mpirun(ranks) + [
            os.path.join(self.build, "trackhammer"), "-q", "-d", db_dir,
            "-o", out_dir] + run_args
        started = time.monotonic()
        run(command, env=env)
        return " ".join(command), time.monotonic() - started

    def trackhammer(self, ranks, run_args, out_dir, db_dir):
        command, wall = self.run_trackhammer(ranks, run_args, out_dir, db_dir)
        runs = glob.glob(os.path.join(out_dir, "*", "rounds.csv"))
        if len(runs) != 1:
            sys.exit("bench: expected one run under %s" % out_dir)
        run_dir = os.path.dirname(runs[0])
        return (command, wall, read_csv(runs[0]),
                read_csv(os.path.join(run_dir, "jobs.csv")))

    def scaling(self):
        profiles = self.all_profiles
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
             polls, poll_failures, locked, pool, capped) = line.split(",")
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
                "poll_ms_p99": percentile(polls_ms, 99),
                "pool_per_writer": int(pool),
                # writers that ran out of tasks before the stop: the run's
                # rate is then a floor set by the pool, not a measurement
                "capped_writers": int(capped)})
        keys = list(runs[0].keys())
        write_csv(os.path.join(self.out, "readload-runs.csv"), keys,
                  [[("%.3f" % r[k]) if isinstance(r[k], float) else r[k]
                    for k in keys] for r in runs])
        summary = []
        capped_runs = [r for r in runs if r["capped_writers"]]
        refused = set()  # (profile, readers) with a capped run, or whose
        for r in capped_runs:  # ratio would lean on wal-normal's capped run
            refused.add((r["profile"], r["readers"]))
            if r["profile"] == "wal-normal":
                refused.update((p, r["readers"]) for p in
                               {x["profile"] for x in runs})
        for readers in sorted({r["readers"] for r in runs}):
            for profile in dict.fromkeys(r["profile"] for r in runs):
                mine = [r for r in runs if r["profile"] == profile and
                        r["readers"] == readers]
                wal = {r["repeat"]: r for r in runs
                       if r["profile"] == "wal-normal" and
                       r["readers"] == readers}
                if (profile, readers) in refused:
                    n = sum(r["capped_writers"] > 0 for r in mine)
                    summary.append([
                        profile, readers, len(mine),
                        "REFUSED: %d of %d runs ran out of tasks" %
                        (n, len(mine)) if n else "",
                        "REFUSED (a capped run)", "", "", "", "", "", "",
                        "", "", ""])
                    continue
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
                    if readers else "", "0 of %d" % len(mine)])
        shutil.rmtree(samples, ignore_errors=True)
        for r in summary:
            if r[0] == "delete-off" and (r[0], r[1]) in refused:
                self.verdicts.append(
                    "DELETE against WAL, %d readers: REFUSED: %d run(s) of "
                    "this point ran out of the task pool before the stop "
                    "(their rate is the pool's cap, not a measurement); "
                    "see readload-runs.csv, column capped_writers." %
                    (r[1], len(capped_runs)))
            elif r[0] == "delete-off":
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
                  "poll_ms_p99", "poll_p50_vs_wal", "poll_failures",
                  "capped_runs"]
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
            "wal-normal's run of the same repeat and reader count. The "
            "writers are bound by time: the task pool (%d tasks a writer, "
            "the same in every run) was sized by bench_readload from a "
            "calibration of each profile's writers alone, with a headroom "
            "of 3; a run whose writer ran out of tasks before the stop is "
            "capped, and its point is REFUSED, not quoted "
            "(capped_runs: %d)." %
            (p["writers"], p["seconds"], p["readers"], p["readers"] - 1,
             p["repeats"], runs[0]["pool_per_writer"], len(capped_runs)),
            header, summary))

    @staticmethod
    def samples(directory, index, role):
        values = array.array("d")
        path = os.path.join(directory, "run-%s-%s.f64" % (index, role))
        with open(path, "rb") as f:
            values.frombytes(f.read())
        return [v * 1e3 for v in values]

    # ---------------------------------------------------------- point 5
    PHASES = ["setup", "setup_barrier", "specs", "release", "monitor_start",
              "jobs", "end_gather", "monitor_stop", "verify", "results"]

    def trackhammer_phased(self, ranks, run_args, name):
        """trackhammer with its per-round phase log (TRACKHAMMER_PHASE_LOG,
        rank 0's clock to the microsecond): (command, wall, phase rows)."""
        log_path = os.path.join(self.scratch, name + "-phases.csv")
        if os.path.exists(log_path):
            os.unlink(log_path)
        command, wall = self.run_trackhammer(
            ranks, run_args, self.fresh_dir(name + "-out"),
            self.fresh_dir(name + "-db"),
            env=dict(os.environ, TRACKHAMMER_PHASE_LOG=log_path))
        return command, wall, read_csv(log_path)

    def harness_cost(self):
        rounds = self.plan["harness_rounds"]
        pairs = self.plan["harness_pairs"]
        rows, summary, verdict = [], [], []
        for size in self.plan["harness_sizes"]:
            per_pair, parts, launch = [], {}, []
            th_totals, bare_spans = [], []
            for attempt in range(pairs):
                th = bare = None
                # Side by side, which goes first alternating.
                for kind in (("th", "bare") if attempt % 2 == 0
                             else ("bare", "th")):
                    if kind == "th":
                        cmd, wall, phases = self.trackhammer_phased(
                            size, ["-p", "delete-off", "-r", str(rounds),
                                   "--work", "0", "--start-jitter", "0",
                                   "-f", "none"], "harness")
                        if attempt == 0:
                            self.command("TRACKHAMMER_PHASE_LOG=... " + cmd)
                        th = phases
                        launch.append(wall - sum(float(p["total_s"])
                                                 for p in phases))
                    else:
                        cmd = [os.path.join(self.build, "bench_batch"),
                               "--dir", self.fresh_dir("batch"), "--jobs",
                               str(size), "--rounds", str(rounds)]
                        if attempt == 0:
                            self.command(" ".join(cmd))
                        out = run(cmd).stdout.split()
                        bare = [line.split(",") for line in out]
                        if any(int(b[2]) for b in bare):
                            sys.exit("bench: bench_batch: failed jobs: %s"
                                     % out)
                for p in th:
                    rows.append([size, attempt, "trackhammer", p["round"],
                                 p["total_s"], p["last_child_end_s"]] +
                                [p[k + "_s"] for k in self.PHASES])
                for b in bare:
                    rows.append([size, attempt, "bare", b[0], "", b[3]] +
                                [""] * len(self.PHASES))
                th_total = median([float(p["total_s"]) for p in th])
                bare_span = median([float(b[3]) for b in bare])
                th_totals.append(th_total)
                bare_spans.append(bare_span)
                per_pair.append((th_total - bare_span) / size)
                for k in self.PHASES:
                    parts.setdefault(k, []).append(
                        median([float(p[k + "_s"]) for p in th]))
                parts.setdefault("beyond", []).append(
                    median([float(p["monitor_start_s"]) +
                            float(p["jobs_s"]) + float(p["end_gather_s"])
                            for p in th]) - bare_span)
            ms = lambda seconds: "%.3f" % (seconds * 1e3)
            per_job = median(per_pair)
            m = {k: median(v) / size for k, v in parts.items()}
            summary.append([
                size, size, ms(median(th_totals)), ms(median(bare_spans)),
                ms(per_job), ms(m["setup"]),
                ms(m["setup_barrier"] + m["specs"] + m["release"]),
                ms(m["beyond"]), ms(m["monitor_stop"]),
                ms(m["verify"] + m["results"]),
                ms(median(launch) / size),
                "met" if per_job < 0.002 else "not met"])
            verdict.append("%s ms at %d job%s a round (%s)" % (
                ms(per_job), size, "" if size == 1 else "s",
                "met" if per_job < 0.002 else "not met"))
        header = ["jobs_per_round", "ranks", "th_round_ms_p50",
                  "bare_batch_ms_p50", "harness_ms_per_job",
                  "setup_ms_per_job", "meet_release_ms_per_job",
                  "isolation_reap_gather_ms_per_job",
                  "monitor_stop_ms_per_job", "verify_results_ms_per_job",
                  "launch_ms_per_job_per_round", "under_2ms"]
        write_csv(os.path.join(self.out, "harness-rounds.csv"),
                  ["jobs_per_round", "pair", "kind", "round", "total_s",
                   "span_s"] + [k + "_s" for k in self.PHASES], rows)
        write_csv(os.path.join(self.out, "harness-summary.csv"), header,
                  summary)
        self.verdicts.append(
            "Harness under 2 ms per job (everything a round does that is "
            "not the jobs' own time, per job): " + "; ".join(verdict) + ".")
        self.sections.append((
            "Harness cost per job (point 5)",
            "A trackhammer round of N jobs on N ranks (delete-off, --work 0 "
            "--start-jitter 0, no fault model, %d rounds a run) against "
            "bench_batch: the same N job lives released at once from one "
            "process, with no harness (children forked before the clock, no "
            "MPI, monitor, set-up, verification or results), timed from the "
            "release to the last job's end. %d pair(s) of runs per N, order "
            "alternating. harness_ms_per_job = median over pairs of "
            "(trackhammer's round, set-up to results written, median over "
            "its rounds - the bare batch's span, median over its rounds) / "
            "N. The breakdown (per job, medians) comes from trackhammer's "
            "phase log (TRACKHAMMER_PHASE_LOG, rank 0's clock in "
            "microseconds): set-up (the batch driver's database); meeting "
            "and release; isolation, reaping and gathering (fork to the "
            "last record in, minus the bare batch's span); stopping the "
            "monitor; verification and results. launch: MPI start-up and "
            "end (command time - its rounds), per job of one round: a "
            "one-off per command, not in harness_ms_per_job." %
            (rounds, pairs),
            header, summary))
        self.reproduce()

    def reproduce(self):
        repeat = self.plan["reproduce_repeat"]
        ranks = self.plan["reproduce_ranks"]
        out_dir = self.fresh_dir("reproduce-out")
        log_path = os.path.join(self.scratch, "reproduce-phases.csv")
        command = [self.args.make, "--no-print-directory", "reproduce",
                   "BUILD=%s" % self.build,
                   "REPRODUCE_RANKS=%d" % ranks,
                   "REPRODUCE_REPEAT=%d" % repeat,
                   "REPRODUCE_DB=%s" % self.fresh_dir("reproduce-db"),
                   "REPRODUCE_ARGS=-q --output %s" % out_dir]
        self.command("TRACKHAMMER_PHASE_LOG=... " +
                     " ".join(shlex.quote(c) for c in command))
        started = time.monotonic()
        run(command, env=dict(os.environ, TRACKHAMMER_PHASE_LOG=log_path))
        wall = time.monotonic() - started
        phases = read_csv(log_path)
        shutil.copy(log_path, os.path.join(self.out, "reproduce-phases.csv"))
        total = lambda k: sum(float(p[k]) for p in phases)
        n = len(phases)
        span = total("last_child_end_s")
        in_rounds = total("total_s")
        rows = []

        def row(what, seconds, rounds=n):
            rows.append([what, "%.1f" % seconds,
                         "%.1f" % (1e3 * seconds / rounds)])
        row("whole command (make reproduce), wall", wall)
        row("MPI start-up and end (wall - rounds)", wall - in_rounds)
        row("jobs: release to the last job's end (the model's time: work "
            "%g s, start jitter, database time under the model; fork "
            "included)" % (10 * 0.1), span)
        for k in ("setup", "setup_barrier", "specs", "release"):
            row("harness: " + k.replace("_", " "), total(k + "_s"))
        row("harness: after the last job's end: reaping, gathering the "
            "records (monitor fork + jobs + end gather - the jobs' span)",
            total("monitor_start_s") + total("jobs_s") +
            total("end_gather_s") - span)
        for k in ("monitor_stop", "verify", "results"):
            row("harness: " + k.replace("_", " "), total(k + "_s"))
        row("harness in rounds (rounds - jobs' span)", in_rounds - span)
        for p in self.gadi71:
            mine = [float(x["last_child_end_s"]) for x in phases
                    if x["profile"] == p]
            if mine:
                row("jobs' span, %s rounds only (%d)" % (p, len(mine)),
                    sum(mine), len(mine))
        header = ["figure", "seconds", "ms_per_round"]
        write_csv(os.path.join(self.out, "reproduce-summary.csv"), header,
                  rows)
        full = repeat == 10 and ranks == 71
        floor = span + (wall - in_rounds)
        self.verdicts.append(
            "gadi71 with 10 repeats under 2 minutes on 2 cores: %s" % (
                "%.1f s (%s): the jobs' own span (release to the last job's "
                "end, the model's time) is %.1f s of it, MPI start-up and "
                "end %.1f s, the harness in rounds %.1f s (%.0f ms a round)%s."
                % (wall, "met" if wall < 120 else "not met", span,
                   wall - in_rounds, in_rounds - span,
                   1e3 * (in_rounds - span) / n,
                   "" if wall < 120 or floor < 120 else
                   "; the jobs' span and the launch alone take %.1f s, over "
                   "the target: it cannot be met without changing the model "
                   "(what a job does, or the time scale)" % floor)
                if full else "not measured (quick run: %d ranks, %d repeat, "
                "%.1f s)" % (ranks, repeat, wall)))
        self.sections.append((
            "The gadi71 matrix: where its wall time goes (point 5)",
            "make reproduce (%d ranks, the five published configurations, "
            "%d round(s) each, the lustre model, its default time scale "
            "0.1), timed as a whole, with trackhammer's phase log: per "
            "round, rank 0's clock for each step. %d rounds." %
            (ranks, repeat, n), header, rows))

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
    parser.add_argument("--check", action="store_true",
                        help="fail unless every part ran and gave figures "
                             "(make bench-smoke, for CI); times are never "
                             "checked")
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
    if args.check:
        problems = check(bench, args.only.split(","))
        for p in problems:
            log("CHECK FAILED: " + p)
        if problems:
            sys.exit("bench: the smoke check failed (%d problem(s))" %
                     len(problems))
        log("smoke check: every part ran and gave figures")


# What each part must leave behind: its CSV files, and a section of the
# summary whose every row holds a figure.
EXPECTED = {
    "overhead": (["overhead.csv", "overhead-summary.csv"],
                 ["Tracker overhead"]),
    "scaling": (["scaling-rounds.csv", "scaling-summary.csv"],
                ["Contention scaling"]),
    "readload": (["readload-runs.csv", "readload-summary.csv"],
                 ["DELETE against WAL"]),
    "harness": (["harness-rounds.csv", "harness-summary.csv",
                 "reproduce-phases.csv", "reproduce-summary.csv"],
                ["Harness cost", "The gadi71 matrix"]),
}


def check(bench, parts):
    """Structure only, never a time: the files, the sections, the rows."""
    problems = []
    for part in parts:
        files, titles = EXPECTED[part]
        for name in files:
            path = os.path.join(bench.out, name)
            if not os.path.exists(path) or len(read_csv(path)) == 0:
                problems.append("%s: %s is missing or empty" % (part, name))
        for title in titles:
            found = [s for s in bench.sections if s[0].startswith(title)]
            if not found or not found[0][3]:
                problems.append("%s: no rows in the section '%s'" %
                                (part, title))
                continue
            for row in found[0][3]:
                if any(str(c).lower() in ("nan", "inf") for c in row):
                    problems.append("%s: a figure is not a number: %s" %
                                    (part, row))
    if len(bench.verdicts) < 1:
        problems.append("no verdict against the targets")
    return problems


if __name__ == "__main__":
    main()
