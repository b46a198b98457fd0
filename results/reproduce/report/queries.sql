-- job_classes: Every job with its configuration and failure class
CREATE VIEW job_classes AS
SELECT j.*, r.published_run,
  CASE
    WHEN j.outcome IN ('ok', 'skipped') THEN 'none'
    WHEN j.outcome = 'crashed' AND j.signal = 7 THEN 'sigbus' -- Linux
    WHEN j.outcome = 'failed' AND (j.code & 255) = 10 THEN 'ioerr'
    WHEN j.outcome = 'failed' AND (j.code & 255) IN (5, 6) THEN 'locked'
    WHEN j.outcome = 'failed' AND (j.code & 255) IN (11, 26) THEN 'malformed'
    ELSE 'other'
  END AS failure_class
FROM jobs j JOIN rounds r USING (run_id, round);

-- matrix: Failures by class per configuration, pooled (round NULL) and per repeat, with Wilson 95% intervals
CREATE TABLE matrix AS
WITH classes(class, class_order) AS (VALUES ('ioerr', 1), ('sigbus', 2),
    ('locked', 3), ('malformed', 4), ('other', 5), ('any', 6)),
flagged AS (
  SELECT j.published_run, j.profile, j.run_id, j.round, j.repeat,
    c.class, c.class_order, CASE WHEN c.class = 'any' THEN j.failure_class <> 'none'
      ELSE j.failure_class = c.class END AS failed
  FROM job_classes j CROSS JOIN classes c),
counted AS (
  SELECT published_run, profile, run_id, round, repeat, class,
    class_order, 1 AS repeats, count(*) AS jobs, sum(failed) AS failures
  FROM flagged GROUP BY run_id, round, profile, class
  UNION ALL
  SELECT published_run, profile, NULL, NULL, NULL, class, class_order,
    count(DISTINCT run_id || '/' || round), count(*), sum(failed)
  FROM flagged GROUP BY profile, class)
SELECT published_run, profile, run_id, round, repeat, class, class_order,
  repeats, jobs, failures, 1.0 * failures / jobs AS rate,
  wilson_low(failures, jobs) AS rate_low,
  wilson_high(failures, jobs) AS rate_high
FROM counted
ORDER BY published_run = '', published_run, profile, round IS NOT NULL,
  run_id, round, class_order;

-- reference_matrix: The published table with Wilson 95% intervals on its I/O-error rates
CREATE TABLE reference_matrix AS
SELECT run, profile, jobs, jobs_with_disk_io_error AS ioerr,
  1.0 * jobs_with_disk_io_error / jobs AS rate,
  wilson_low(jobs_with_disk_io_error, jobs) AS rate_low,
  wilson_high(jobs_with_disk_io_error, jobs) AS rate_high, sigbus
FROM reference ORDER BY run;

-- pairwise: Two-sided Fisher exact tests on I/O-error counts between every pair of configurations, and the repeats of jobs_per_repeat jobs each would need (normal approximation, alpha 0.05, power 80%)
CREATE TABLE pairwise AS
WITH pooled AS (
  SELECT published_run, profile, repeats, jobs, failures FROM matrix
  WHERE round IS NULL AND class = 'ioerr'),
pairs AS (
  SELECT 'local' AS source, a.profile AS config_a, a.failures AS ioerr_a,
    a.jobs AS jobs_a, b.profile AS config_b, b.failures AS ioerr_b,
    b.jobs AS jobs_b, CAST(round(1.0 * a.jobs / a.repeats) AS INTEGER)
      AS jobs_per_repeat
  FROM pooled a JOIN pooled b
    ON (a.published_run = '', a.published_run, a.profile)
     < (b.published_run = '', b.published_run, b.profile)
  UNION ALL
  SELECT 'reference', a.run || ' ' || a.profile, a.jobs_with_disk_io_error,
    a.jobs, b.run || ' ' || b.profile, b.jobs_with_disk_io_error, b.jobs,
    a.jobs
  FROM reference a JOIN reference b ON a.run < b.run)
SELECT *, fisher_p(ioerr_a, jobs_a, ioerr_b, jobs_b) AS p,
  fisher_p(ioerr_a, jobs_a, ioerr_b, jobs_b) < 0.05 AS significant,
  repeats_needed(ioerr_a, jobs_a, ioerr_b, jobs_b, jobs_per_repeat)
    AS repeats_needed
FROM pairs;

-- agreement: Each configuration's pooled I/O-error rate against the published one: a round-aware 95% interval (Wilson at n / deff, deff the design effect of rounds as clusters; the pooled Wilson interval kept beside it), a two-sided Fisher exact test, and whether the published rate lies in the round-aware interval; SIGBUS per round (rounds with at least one SIGBUS job, Wilson 95%) against the published single round's presence; a configuration with no published row is a prediction only
CREATE TABLE agreement AS
WITH by_round AS (
  SELECT profile, count(*) FILTER (WHERE class = 'ioerr') AS rounds,
    design_effect(failures, jobs) FILTER (WHERE class = 'ioerr') AS deff,
    sum(failures > 0) FILTER (WHERE class = 'sigbus') AS sigbus_rounds
  FROM matrix WHERE round IS NOT NULL AND class IN ('ioerr', 'sigbus')
  GROUP BY profile),
joined AS (
  SELECT m.published_run, m.profile, m.failures AS ioerr, m.jobs,
    m.rate_low, m.rate_high, b.rounds, b.deff,
    wilson_low_deff(m.failures, m.jobs, b.deff) AS round_low,
    wilson_high_deff(m.failures, m.jobs, b.deff) AS round_high,
    (SELECT group_concat(DISTINCT f.role) FROM fit_roles f
      WHERE f.run = m.published_run) AS fit_role,
    r.run, r.jobs_with_disk_io_error AS published_ioerr,
    r.jobs AS published_jobs, s.failures AS sigbus,
    b.sigbus_rounds, r.sigbus AS published_sigbus
  FROM matrix m
  JOIN matrix s ON s.profile = m.profile AND s.round IS NULL
    AND s.class = 'sigbus'
  JOIN by_round b ON b.profile = m.profile
  LEFT JOIN reference r ON r.profile = m.profile
  WHERE m.round IS NULL AND m.class = 'ioerr')
SELECT published_run, profile, ioerr, jobs, rate_low, rate_high,
  rounds, deff, round_low, round_high, fit_role, published_ioerr,
  published_jobs,
  CASE WHEN run IS NOT NULL THEN fisher_p(ioerr, jobs, published_ioerr,
    published_jobs) END AS p,
  CASE WHEN run IS NULL THEN 'prediction only'
    WHEN fisher_p(ioerr, jobs, published_ioerr, published_jobs) < 0.05
    THEN 'differs' ELSE 'agrees' END AS ioerr_verdict,
  CASE WHEN run IS NOT NULL THEN 1.0 * published_ioerr / published_jobs
    BETWEEN round_low AND round_high END AS published_in_interval,
  sigbus, sigbus_rounds,
  wilson_low(sigbus_rounds, rounds) AS sigbus_rounds_low,
  wilson_high(sigbus_rounds, rounds) AS sigbus_rounds_high,
  published_sigbus,
  -- one published round: 'eliminated' holds only if no round here
  -- has SIGBUS, 'present' if the model produces it in any round
  CASE WHEN run IS NULL THEN 'prediction only'
    WHEN (sigbus_rounds > 0) = (published_sigbus = 'present') THEN 'agrees'
    ELSE 'differs' END AS sigbus_verdict
FROM joined
ORDER BY run IS NULL, published_run, profile;

-- scale_agreement: Each configuration's failures by class at every pair of time scales loaded (runs.time_scale): pooled counts with Wilson 95% intervals, whether the intervals overlap, and a two-sided Fisher exact test. SIGBUS is compared per round (unit 'rounds': rounds with at least one SIGBUS job); its job count is shown but not compared (compared 0): how many jobs of a round a SIGBUS ends depends on how the machine's scheduler interleaves the jobs, which no time scale compresses
CREATE TABLE scale_agreement AS
WITH classes(class, class_order) AS (VALUES ('ioerr', 1), ('sigbus', 3),
    ('locked', 4), ('malformed', 5), ('other', 6), ('any', 7)),
rounds_run AS (
  SELECT j.published_run, j.profile, r.time_scale,
    sum(j.failure_class = 'sigbus') AS sigbus_jobs
  FROM job_classes j JOIN runs r USING (run_id)
  GROUP BY j.run_id, j.round, j.profile),
per_scale AS (
  SELECT j.published_run, j.profile, r.time_scale, c.class, c.class_order,
    'jobs' AS unit, count(*) AS n, sum(CASE WHEN c.class = 'any'
      THEN j.failure_class <> 'none'
      ELSE j.failure_class = c.class END) AS failures
  FROM job_classes j JOIN runs r USING (run_id) CROSS JOIN classes c
  GROUP BY j.profile, r.time_scale, c.class
  UNION ALL
  SELECT published_run, profile, time_scale, 'sigbus_rounds', 2, 'rounds',
    count(*), sum(sigbus_jobs > 0)
  FROM rounds_run GROUP BY profile, time_scale),
bounded AS (
  SELECT *, wilson_low(failures, n) AS low, wilson_high(failures, n) AS high,
    class <> 'sigbus' AS compared -- SIGBUS jobs: machine-dependent
  FROM per_scale)
SELECT a.published_run, a.profile, a.class, a.class_order, a.unit,
  a.compared, a.time_scale AS scale_a, a.failures AS failures_a,
  a.n AS n_a, a.low AS low_a, a.high AS high_a,
  b.time_scale AS scale_b, b.failures AS failures_b, b.n AS n_b,
  b.low AS low_b, b.high AS high_b,
  CASE WHEN a.compared THEN a.low <= b.high AND b.low <= a.high END
    AS intervals_overlap,
  CASE WHEN a.compared THEN fisher_p(a.failures, a.n, b.failures, b.n) END
    AS p
FROM bounded a JOIN bounded b ON b.profile = a.profile
  AND b.class = a.class AND b.time_scale > a.time_scale
ORDER BY a.published_run = '', a.published_run, a.profile, a.class_order,
  scale_a, scale_b;

-- failed_operations: Failed jobs by the call that failed (or was in flight when a signal ended the job) and its extended code
CREATE TABLE failed_operations AS
SELECT published_run, profile, failure_class,
  CASE WHEN failed_op <> '' THEN failed_op
    WHEN in_flight <> '' THEN in_flight ELSE '(none)' END AS operation,
  CASE WHEN outcome = 'failed' THEN code_name
    WHEN signal <> 0 THEN outcome || ' by signal ' || signal
    ELSE outcome END AS code,
  count(*) AS jobs
FROM job_classes WHERE failure_class <> 'none'
GROUP BY profile, failure_class, operation, code
ORDER BY published_run = '', published_run, profile, jobs DESC, operation,
  code;

-- injected_faults: Faults the model injected into jobs that failed, by class, file kind and code (fault log rank = job, log file = round; a mechanism's line, by=mechanism, is not a fault)
CREATE TABLE injected_faults AS
SELECT j.published_run, j.profile, j.failure_class, e.class AS fault_class,
  e.kind AS file_kind, e.name AS fault_code,
  count(DISTINCT j.run_id || '/' || j.round || '/' || j.job) AS failed_jobs,
  count(*) AS faults
FROM job_classes j
JOIN fault_events e ON e.run_id = j.run_id AND e.round = j.round
  AND e.rank = j.job
WHERE j.failure_class <> 'none' AND e.drawn_by <> 'mechanism'
GROUP BY j.profile, j.failure_class, fault_class, file_kind, fault_code
ORDER BY j.published_run = '', j.published_run, j.profile, failed_jobs DESC,
  faults DESC, fault_class, file_kind;

-- job_summary: Per configuration: failed jobs and how many of them had a logged fault, retries by class, faults injected, and the jobs' database time (nearest-rank percentiles over jobs that lived their whole life: ok, skipped or failed)
CREATE TABLE job_summary AS
WITH timed AS (
  SELECT profile, db_time_s,
    row_number() OVER (PARTITION BY profile ORDER BY db_time_s) AS k,
    count(*) OVER (PARTITION BY profile) AS n
  FROM jobs WHERE outcome IN ('ok', 'skipped', 'failed')),
percentiles AS (
  SELECT profile, min(CASE WHEN k >= 0.5 * n THEN db_time_s END) AS p50,
    min(CASE WHEN k >= 0.99 * n THEN db_time_s END) AS p99
  FROM timed GROUP BY profile),
logged AS (SELECT DISTINCT run_id, round, rank FROM fault_events
  WHERE drawn_by <> 'mechanism')
SELECT j.published_run, j.profile, count(*) AS jobs,
  sum(j.failure_class <> 'none') AS failed_jobs,
  sum(j.failure_class <> 'none' AND l.rank IS NOT NULL)
    AS failed_with_logged_fault,
  sum(j.retries_locked) AS retries_locked,
  sum(j.retries_ioerr) AS retries_ioerr,
  sum(j.retries_corrupt) AS retries_corrupt,
  sum(j.faults_injected) AS faults_injected,
  p.p50 AS db_time_p50_s, p.p99 AS db_time_p99_s
FROM job_classes j
LEFT JOIN logged l ON l.run_id = j.run_id AND l.round = j.round
  AND l.rank = j.job
LEFT JOIN percentiles p ON p.profile = j.profile
GROUP BY j.profile
ORDER BY j.published_run = '', j.published_run, j.profile;

-- sigbus_attribution: Per configuration: jobs a SIGBUS ended, how many had a fault logged for themselves, and how many crashed in a round where another job (rank <> job) reset the -shm file (fault log by=mechanism effect=reset), with the number of those resets
CREATE TABLE sigbus_attribution AS
WITH sigbus AS (SELECT * FROM job_classes WHERE failure_class = 'sigbus'),
remote AS (
  SELECT s.profile, s.run_id, s.round, s.job, e.rowid AS event
  FROM sigbus s JOIN fault_events e ON e.run_id = s.run_id
    AND e.round = s.round AND e.rank <> s.job
  WHERE e.drawn_by = 'mechanism' AND e.effect = 'reset'),
remote_jobs AS (SELECT DISTINCT run_id, round, job FROM remote),
logged AS (SELECT DISTINCT run_id, round, rank FROM fault_events
  WHERE drawn_by <> 'mechanism')
SELECT j.published_run, j.profile, count(*) AS jobs,
  count(s.job) AS sigbus_jobs,
  count(s.job) - count(l.rank) AS sigbus_no_fault_logged,
  count(m.job) AS sigbus_after_remote_reset,
  (SELECT count(DISTINCT event) FROM remote r WHERE r.profile = j.profile)
    AS remote_resets
FROM job_classes j
LEFT JOIN sigbus s ON s.run_id = j.run_id AND s.round = j.round
  AND s.job = j.job
LEFT JOIN logged l ON l.run_id = s.run_id AND l.round = s.round
  AND l.rank = s.job
LEFT JOIN remote_jobs m ON m.run_id = s.run_id AND m.round = s.round
  AND m.job = s.job
GROUP BY j.profile
ORDER BY j.published_run = '', j.published_run, j.profile;

-- op_latency: Per configuration and tracker operation (ops.csv, summed over the rounds' jobs): calls, attempts, retries by class, failed calls, backoff, and latency: mean, p50 and p99 as the upper edge of the power-of-two bucket the quantile falls in (bucket b of latency_hist: [2^b, 2^(b+1)) us), capped by the maximum, as tracker_op_stats_percentile() does
CREATE TABLE op_latency AS
WITH RECURSIVE split(profile, op, bucket, calls, rest) AS (
  SELECT profile, op, -1, 0, latency_hist || ' ' FROM ops
  UNION ALL
  SELECT profile, op, bucket + 1,
    CAST(substr(rest, 1, instr(rest, ' ') - 1) AS INTEGER),
    substr(rest, instr(rest, ' ') + 1)
  FROM split WHERE rest <> ''),
buckets AS (
  SELECT profile, op, bucket, sum(calls) AS calls FROM split
  WHERE bucket >= 0 GROUP BY profile, op, bucket),
cumulative AS (
  SELECT profile, op, bucket, calls,
    sum(calls) OVER (PARTITION BY profile, op ORDER BY bucket) AS seen,
    sum(calls) OVER (PARTITION BY profile, op) AS total
  FROM buckets),
quantile_buckets AS (
  SELECT profile, op,
    min(CASE WHEN calls > 0 AND seen >= 0.5 * total THEN bucket END) AS b50,
    min(CASE WHEN calls > 0 AND seen >= 0.99 * total THEN bucket END) AS b99
  FROM cumulative GROUP BY profile, op),
totals AS (
  SELECT r.published_run, o.profile, o.op, count(*) AS rounds,
    sum(o.calls) AS calls, sum(o.attempts) AS attempts,
    sum(o.retries_locked) AS retries_locked,
    sum(o.retries_ioerr) AS retries_ioerr,
    sum(o.retries_corrupt) AS retries_corrupt,
    sum(o.failures) AS failures, sum(o.backoff_s) AS backoff_s,
    sum(o.latency_total_s) / sum(o.calls) AS latency_mean_s,
    max(o.latency_max_s) AS latency_max_s, min(o.rowid) AS first
  FROM ops o JOIN rounds r USING (run_id, round)
  GROUP BY o.profile, o.op)
SELECT t.published_run, t.profile, t.op, t.rounds, t.calls, t.attempts,
  t.retries_locked, t.retries_ioerr, t.retries_corrupt, t.failures,
  t.backoff_s, t.latency_mean_s,
  min((1 << (q.b50 + 1)) * 1e-6, t.latency_max_s) AS latency_p50_s,
  min((1 << (q.b99 + 1)) * 1e-6, t.latency_max_s) AS latency_p99_s,
  t.latency_max_s
FROM totals t JOIN quantile_buckets q USING (profile, op)
ORDER BY t.published_run = '', t.published_run, t.profile, t.first;

-- section: Failures per configuration, pooled over repeats
SELECT published_run, profile, repeats, jobs, max(CASE WHEN class = 'ioerr' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'sigbus' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'locked' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'malformed' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'other' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'any' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END) FROM matrix WHERE round IS NULL GROUP BY profile
ORDER BY published_run = '', published_run, profile;

-- section: Failures per configuration, per repeat
SELECT published_run, profile, run_id || '.' || repeat, jobs, max(CASE WHEN class = 'ioerr' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'sigbus' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'locked' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'malformed' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'other' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END), max(CASE WHEN class = 'any' THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) END) FROM matrix WHERE round IS NOT NULL
GROUP BY profile, run_id, round
ORDER BY published_run = '', published_run, profile, run_id, round;

-- section: Pairwise differences in the I/O-error rate
SELECT config_a, ioerr_a || '/' || jobs_a, config_b, ioerr_b || '/' || jobs_b, CASE WHEN p < 0.001 THEN '<0.001' ELSE printf('%.3f', p) END,
  CASE WHEN significant THEN '**yes**' ELSE 'no' END,
  coalesce(repeats_needed, '-') || ' (N=' || jobs_per_repeat || ')'
FROM pairwise WHERE source = 'local' ORDER BY rowid;

-- section: Agreement with the published table
SELECT published_run, profile, coalesce(fit_role, '-'),
  printf('%d/%d = %.1f%% [%.1f, %.1f], deff %.2f, %d rounds', ioerr, jobs,
    100.0 * ioerr / jobs, 100 * round_low, 100 * round_high, deff, rounds),
  coalesce(published_ioerr || '/' || published_jobs, '-'),
  ioerr_verdict || CASE WHEN p IS NULL THEN ''
    WHEN p < 0.001 THEN ' (p<0.001)' ELSE printf(' (p=%.3f)', p) END,
  CASE WHEN published_in_interval IS NULL THEN '-'
    ELSE CASE WHEN published_in_interval THEN 'yes' ELSE 'no' END ||
      printf(' (%.1f%%)', 100.0 * published_ioerr / published_jobs) END,
  printf('%d/%d rounds = %.1f%% [%.1f, %.1f]', sigbus_rounds, rounds,
    100.0 * sigbus_rounds / rounds, 100 * sigbus_rounds_low,
    100 * sigbus_rounds_high),
  sigbus || '/' || jobs || ' jobs', coalesce(published_sigbus, '-'),
  sigbus_verdict
FROM agreement ORDER BY rowid;

-- section: Agreement across time scales
SELECT published_run, profile,
  CASE WHEN class = 'sigbus_rounds' THEN 'sigbus' ELSE class END,
  CASE WHEN compared THEN unit
    ELSE unit || ': machine-dependent, not compared' END,
  printf('%g', scale_a), CASE WHEN compared THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures_a, n_a,
    100.0 * failures_a / n_a, 100 * low_a, 100 * high_a)
    ELSE failures_a || '/' || n_a END,
  printf('%g', scale_b), CASE WHEN compared THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', failures_b, n_b,
    100.0 * failures_b / n_b, 100 * low_b, 100 * high_b)
    ELSE failures_b || '/' || n_b END,
  CASE WHEN NOT compared THEN '-' WHEN intervals_overlap THEN 'yes'
    ELSE '**no**' END,
  CASE WHEN NOT compared THEN '-' ELSE CASE WHEN p < 0.001 THEN '<0.001' ELSE printf('%.3f', p) END END
FROM scale_agreement ORDER BY rowid;

-- section: Attribution: the failing call
SELECT published_run, profile, failure_class, operation, code, jobs FROM failed_operations ORDER BY rowid;

-- section: Attribution: injected faults in failed jobs
SELECT published_run, profile, failure_class, fault_class, file_kind, fault_code, failed_jobs, faults FROM injected_faults ORDER BY rowid;

-- section: Attribution: SIGBUS and other nodes' -shm resets
SELECT published_run, profile, jobs, sigbus_jobs, sigbus_no_fault_logged,
  sigbus_after_remote_reset, remote_resets
FROM sigbus_attribution ORDER BY rowid;

-- section: Retries and database time
SELECT published_run, profile, jobs, failed_jobs, failed_with_logged_fault,
  retries_locked, retries_ioerr, retries_corrupt, faults_injected,
  printf('%.1f ms', 1e3 * db_time_p50_s), printf('%.1f ms', 1e3 * db_time_p99_s)
FROM job_summary ORDER BY rowid;

-- section: Latency, retries and backoff per operation
SELECT published_run, profile, op, calls, attempts, retries_locked,
  retries_ioerr, retries_corrupt, failures,
  CASE WHEN backoff_s = 0 THEN '0 s'
    WHEN backoff_s < 1e-3 THEN printf('%.0f us', 1e6 * backoff_s)
    WHEN backoff_s < 1 THEN printf('%.2f ms', 1e3 * backoff_s)
    WHEN backoff_s >= 1 THEN printf('%.2f s', backoff_s) END,
  CASE WHEN latency_mean_s = 0 THEN '0 s'
    WHEN latency_mean_s < 1e-3 THEN printf('%.0f us', 1e6 * latency_mean_s)
    WHEN latency_mean_s < 1 THEN printf('%.2f ms', 1e3 * latency_mean_s)
    WHEN latency_mean_s >= 1 THEN printf('%.2f s', latency_mean_s) END,
  CASE WHEN latency_p50_s = 0 THEN '0 s'
    WHEN latency_p50_s < 1e-3 THEN printf('%.0f us', 1e6 * latency_p50_s)
    WHEN latency_p50_s < 1 THEN printf('%.2f ms', 1e3 * latency_p50_s)
    WHEN latency_p50_s >= 1 THEN printf('%.2f s', latency_p50_s) END,
  CASE WHEN latency_p99_s = 0 THEN '0 s'
    WHEN latency_p99_s < 1e-3 THEN printf('%.0f us', 1e6 * latency_p99_s)
    WHEN latency_p99_s < 1 THEN printf('%.2f ms', 1e3 * latency_p99_s)
    WHEN latency_p99_s >= 1 THEN printf('%.2f s', latency_p99_s) END,
  CASE WHEN latency_max_s = 0 THEN '0 s'
    WHEN latency_max_s < 1e-3 THEN printf('%.0f us', 1e6 * latency_max_s)
    WHEN latency_max_s < 1 THEN printf('%.2f ms', 1e3 * latency_max_s)
    WHEN latency_max_s >= 1 THEN printf('%.2f s', latency_max_s) END
FROM op_latency ORDER BY rowid;

-- section: The published table
SELECT run, profile, printf('%d/%d = %.1f%% [%.1f, %.1f]', ioerr, jobs,
  100 * rate, 100 * rate_low, 100 * rate_high), sigbus
FROM reference_matrix ORDER BY run;

-- section: What the published table can tell apart
SELECT config_a, ioerr_a || '/' || jobs_a, config_b, ioerr_b || '/' || jobs_b, CASE WHEN p < 0.001 THEN '<0.001' ELSE printf('%.3f', p) END,
  CASE WHEN significant THEN '**yes**' ELSE 'no' END,
  coalesce(repeats_needed, '-') || ' (N=' || jobs_per_repeat || ')'
FROM pairwise WHERE source = 'reference' ORDER BY rowid;

