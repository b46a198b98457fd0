/*
 * report.c: the derived tables, each one SQL statement a user can rerun,
 * and the markdown, each section one SELECT over those tables.
 *
 * A job's failure class is jobs.csv's class column, trackhammer's own
 * classification (tracker/results_schema.h; the loader derives it the same
 * way for runs older than the column), 'none' here for ok and skipped.
 */
#include "analysis.h"
#include "results_schema.h"

#include <string.h>

/* A configuration's fault model and file system, as a markdown cell
 * beside its profile. */
#define MODEL_FS "fault_model || ' on ' || file_system"

/* A round whose verification could not open or read the database (runs
 * before the verification said so wrote integrity_check's own error): it
 * checked nothing, so it is neither an integrity failure nor a verified
 * round, and the losses it counted are none it saw. */
#define NOT_VERIFIED(integrity)                                               \
    "(" integrity " LIKE 'cannot open:%' OR " integrity                       \
    " LIKE 'not verified:%' OR " integrity " LIKE 'error:%')"

/* What a failed job is compared by: SIGBUS, else the failing call's
 * extended code, else how it ended (killed, hung). */
#define FAILURE_ITEM(j)                                                       \
    "CASE WHEN " j "failure_class = 'sigbus' THEN 'SIGBUS'\n"                 \
    "      WHEN " j "outcome = 'failed' THEN " j "code_name ELSE " j          \
    "outcome END"

/* A jobs column as " j.name,": job_classes lists the jobs table's columns
 * (run_id, then jobs.csv's) but class, which it states as failure_class. */
#define JOB_COLUMN(name, type, meaning) " j." #name ","

/* The queries, their macros and the sections keep the layout of their
 * SQL and markdown, which clang-format would cut into pieces around the
 * macros spliced into them. */
/* clang-format off */
const report_query report_queries[] = {
    { "run_configs",
      "Each run's configurations: a configuration is a profile under one "
      "fault model (its text without the items that change from run to "
      "run: seed, rank, node, log, time_scale, storm.state, storm.start) on "
      "one file system (type, mount options and what --fs-info told of it: "
      "preset, client and volume options, faults); runs of one "
      "configuration are pooled. fault_model and file_system are short "
      "labels (the type, and the preset and '+ faults' where told), "
      "numbered (#2) where one name covers more than one",
      "CREATE TABLE run_configs AS\n"
      "WITH models AS (\n"
      "  SELECT model_key, model, min(run_id) AS first FROM runs\n"
      "  GROUP BY model_key),\n"
      "model_labels AS (\n"
      "  SELECT model_key, model || CASE WHEN count(*) OVER (PARTITION BY "
      "model) > 1\n"
      "    THEN ' #' || row_number() OVER (PARTITION BY model ORDER BY "
      "first)\n"
      "    ELSE '' END AS fault_model\n"
      "  FROM models),\n"
      "filesystems AS (\n"
      "  SELECT fs_type, mount_options, coalesce(fs_info, '') AS fs_key,\n"
      "    fs_type || coalesce(' ' || json_extract(fs_info, '$.preset'), '')\n"
      "      || CASE WHEN json_extract(fs_info, '$.faults') IS NOT NULL\n"
      "        THEN ' + faults' ELSE '' END AS name,\n"
      "    min(run_id) AS first FROM runs\n"
      "  GROUP BY fs_type, mount_options, fs_key),\n"
      "fs_labels AS (\n"
      "  SELECT fs_type, mount_options, fs_key, name || CASE WHEN count(*)\n"
      "    OVER (PARTITION BY name) > 1 THEN ' #' || row_number() OVER\n"
      "    (PARTITION BY name ORDER BY first) ELSE '' END AS file_system\n"
      "  FROM filesystems),\n"
      "per_run AS (\n"
      "  SELECT DISTINCT o.run_id, o.profile, o.published_run,\n"
      "    m.fault_model, f.file_system\n"
      "  FROM rounds o JOIN runs r USING (run_id)\n"
      "  JOIN model_labels m USING (model_key)\n"
      "  JOIN fs_labels f ON f.fs_type = r.fs_type\n"
      "    AND f.mount_options = r.mount_options\n"
      "    AND f.fs_key = coalesce(r.fs_info, ''))\n"
      "SELECT dense_rank() OVER (ORDER BY published_run = '', published_run,\n"
      "    profile, fault_model, file_system) AS config, run_id, profile,\n"
      "  published_run, fault_model, file_system\n"
      "FROM per_run ORDER BY config, run_id;" },
    { "configurations",
      "Each configuration: its name where one cell holds it, its runs and "
      "rounds, and the rounds whose set-up (the database and its tasks) "
      "failed, which ran no job and count in no rate",
      "CREATE TABLE configurations AS\n"
      "SELECT c.config, c.published_run, c.profile, c.fault_model,\n"
      "  c.file_system,\n"
      "  c.profile || ' (' || c.fault_model || ' on ' || c.file_system\n"
      "    || ')' AS name,\n"
      "  count(DISTINCT c.run_id) AS runs, count(*) AS rounds,\n"
      "  sum(o.setup <> 'ok') AS setup_failed\n"
      "FROM run_configs c JOIN rounds o ON o.run_id = c.run_id\n"
      "  AND o.profile = c.profile\n"
      "GROUP BY c.config ORDER BY c.config;" },
    { "job_classes", "Every job with its configuration and failure class",
      "CREATE VIEW job_classes AS\n"
      "SELECT j.run_id," RESULTS_JOBS_RECORD_COLUMNS(JOB_COLUMN) "\n"
      "  r.published_run, c.config, c.fault_model, c.file_system,\n"
      "  coalesce(nullif(j.class, ''), 'none') AS failure_class\n"
      "FROM jobs j JOIN rounds r USING (run_id, round)\n"
      "JOIN run_configs c ON c.run_id = j.run_id AND c.profile = j.profile;" },
    { "matrix",
      "Failures by class per configuration, pooled (round NULL) and per "
      "repeat, with Wilson 95% intervals",
      "CREATE TABLE matrix AS\n"
      "WITH classes(class, class_order) AS (VALUES ('ioerr', 1), "
      "('sigbus', 2),\n"
      "    ('locked', 3), ('malformed', 4), ('other', 5), ('any', 6)),\n"
      "flagged AS (\n"
      "  SELECT j.config, j.published_run, j.profile, j.fault_model,\n"
      "    j.file_system, j.run_id, j.round, j.repeat,\n"
      "    c.class, c.class_order, CASE WHEN c.class = 'any' THEN "
      "j.failure_class <> 'none'\n"
      "      ELSE j.failure_class = c.class END AS failed\n"
      "  FROM job_classes j CROSS JOIN classes c),\n"
      "counted AS (\n"
      "  SELECT config, published_run, profile, fault_model, file_system,\n"
      "    run_id, round, repeat, class, class_order, 1 AS repeats,\n"
      "    count(*) AS jobs, sum(failed) AS failures\n"
      "  FROM flagged GROUP BY run_id, round, config, class\n"
      "  UNION ALL\n"
      "  SELECT config, published_run, profile, fault_model, file_system,\n"
      "    NULL, NULL, NULL, class, class_order,\n"
      "    count(DISTINCT run_id || '/' || round), count(*), sum(failed)\n"
      "  FROM flagged GROUP BY config, class)\n"
      "SELECT config, published_run, profile, fault_model, file_system,\n"
      "  run_id, round, repeat, class, class_order,\n"
      "  repeats, jobs, failures, 1.0 * failures / jobs AS rate,\n"
      "  wilson_low(failures, jobs) AS rate_low,\n"
      "  wilson_high(failures, jobs) AS rate_high\n"
      "FROM counted\n"
      "ORDER BY config, round IS NOT NULL, run_id, round, class_order;" },
    { "reference_matrix",
      "The published table with Wilson 95% intervals on its I/O-error rates",
      "CREATE TABLE reference_matrix AS\n"
      "SELECT run, profile, jobs, jobs_with_disk_io_error AS ioerr,\n"
      "  1.0 * jobs_with_disk_io_error / jobs AS rate,\n"
      "  wilson_low(jobs_with_disk_io_error, jobs) AS rate_low,\n"
      "  wilson_high(jobs_with_disk_io_error, jobs) AS rate_high, sigbus\n"
      "FROM reference ORDER BY run;" },
    { "pairwise",
      "Two-sided Fisher exact tests on I/O-error counts between every pair "
      "of configurations, and the repeats of jobs_per_repeat jobs each "
      "would need (normal approximation, alpha 0.05, power 80%)",
      "CREATE TABLE pairwise AS\n"
      "WITH pooled AS (\n"
      "  SELECT m.config, c.name, m.repeats, m.jobs, m.failures\n"
      "  FROM matrix m JOIN configurations c USING (config)\n"
      "  WHERE m.round IS NULL AND m.class = 'ioerr'),\n"
      "pairs AS (\n"
      "  SELECT 'local' AS source, a.name AS config_a, a.failures AS "
      "ioerr_a,\n"
      "    a.jobs AS jobs_a, b.name AS config_b, b.failures AS ioerr_b,\n"
      "    b.jobs AS jobs_b, CAST(round(1.0 * a.jobs / a.repeats) AS INTEGER)\n"
      "      AS jobs_per_repeat\n"
      "  FROM pooled a JOIN pooled b ON a.config < b.config\n"
      "  UNION ALL\n"
      "  SELECT 'reference', a.run || ' ' || a.profile, "
      "a.jobs_with_disk_io_error,\n"
      "    a.jobs, b.run || ' ' || b.profile, b.jobs_with_disk_io_error, "
      "b.jobs,\n"
      "    a.jobs\n"
      "  FROM reference a JOIN reference b ON a.run < b.run)\n"
      "SELECT *, fisher_p(ioerr_a, jobs_a, ioerr_b, jobs_b) AS p,\n"
      "  fisher_p(ioerr_a, jobs_a, ioerr_b, jobs_b) < 0.05 AS significant,\n"
      "  repeats_needed(ioerr_a, jobs_a, ioerr_b, jobs_b, jobs_per_repeat)\n"
      "    AS repeats_needed\n"
      "FROM pairs;" },
    { "agreement",
      "Each configuration's pooled I/O-error rate against the published one: "
      "a round-aware 95% interval (Wilson at n / deff, deff the design "
      "effect of rounds as clusters; the pooled Wilson interval kept beside "
      "it), a two-sided Fisher exact test, the 95% prediction interval for "
      "one round of the published size (beta-binomial from the rounds' "
      "spread) and whether the published count lies in it; SIGBUS per "
      "round (rounds with at "
      "least one SIGBUS job, Wilson 95%) against the published single "
      "round's presence; a configuration with no published row is a "
      "prediction only",
      "CREATE TABLE agreement AS\n"
      "WITH by_round AS (\n"
      "  SELECT config, count(*) FILTER (WHERE class = 'ioerr') AS rounds,\n"
      "    design_effect(failures, jobs) FILTER (WHERE class = 'ioerr') AS "
      "deff,\n"
      "    sum(failures > 0) FILTER (WHERE class = 'sigbus') AS "
      "sigbus_rounds\n"
      "  FROM matrix WHERE round IS NOT NULL AND class IN ('ioerr', "
      "'sigbus')\n"
      "  GROUP BY config),\n"
      "joined AS (\n"
      "  SELECT m.config, m.published_run, m.profile, m.fault_model,\n"
      "    m.file_system, m.failures AS ioerr, m.jobs,\n"
      "    m.rate_low, m.rate_high, b.rounds, b.deff,\n"
      "    wilson_low_deff(m.failures, m.jobs, b.deff) AS round_low,\n"
      "    wilson_high_deff(m.failures, m.jobs, b.deff) AS round_high,\n"
      "    -- the roles the fit files of this configuration's runs give\n"
      "    (SELECT group_concat(DISTINCT f.role) FROM fit_roles f\n"
      "      JOIN run_configs c ON c.config = m.config\n"
      "      JOIN runs u ON u.run_id = c.run_id\n"
      "      WHERE f.run = m.published_run\n"
      "        AND instr(u.model_key || ',', ',fit=' || f.fit_file || ',')\n"
      "          > 0)\n"
      "      AS fit_role,\n"
      "    r.run, r.jobs_with_disk_io_error AS published_ioerr,\n"
      "    r.jobs AS published_jobs, s.failures AS sigbus,\n"
      "    coalesce(r.jobs, (SELECT max(jobs) FROM reference)) AS round_jobs,\n"
      "    b.sigbus_rounds, r.sigbus AS published_sigbus\n"
      "  FROM matrix m\n"
      "  JOIN matrix s ON s.config = m.config AND s.round IS NULL\n"
      "    AND s.class = 'sigbus'\n"
      "  JOIN by_round b ON b.config = m.config\n"
      "  LEFT JOIN reference r ON r.profile = m.profile\n"
      "  WHERE m.round IS NULL AND m.class = 'ioerr'),\n"
      "predicted AS (\n"
      "  SELECT *, round_predict_low(ioerr, jobs, rounds, deff, round_jobs)\n"
      "      AS predict_low,\n"
      "    round_predict_high(ioerr, jobs, rounds, deff, round_jobs)\n"
      "      AS predict_high\n"
      "  FROM joined)\n"
      "SELECT config, published_run, profile, fault_model, file_system, "
      "ioerr,\n"
      "  jobs, rate_low, rate_high, rounds, deff, round_low, round_high,\n"
      "  round_jobs, predict_low, predict_high,\n"
      "  fit_role, published_ioerr,\n"
      "  published_jobs,\n"
      "  CASE WHEN run IS NOT NULL THEN fisher_p(ioerr, jobs, "
      "published_ioerr,\n"
      "    published_jobs) END AS p,\n"
      "  CASE WHEN run IS NULL THEN 'prediction only'\n"
      "    WHEN fisher_p(ioerr, jobs, published_ioerr, published_jobs) < "
      "0.05\n"
      "    THEN 'differs' ELSE 'agrees' END AS ioerr_verdict,\n"
      "  CASE WHEN run IS NOT NULL THEN published_ioerr BETWEEN\n"
      "    predict_low AND predict_high END AS published_in_prediction,\n"
      "  sigbus, sigbus_rounds,\n"
      "  wilson_low(sigbus_rounds, rounds) AS sigbus_rounds_low,\n"
      "  wilson_high(sigbus_rounds, rounds) AS sigbus_rounds_high,\n"
      "  published_sigbus,\n"
      "  -- one published round: 'eliminated' holds only if no round here\n"
      "  -- has SIGBUS, 'present' if the model produces it in any round\n"
      "  CASE WHEN run IS NULL THEN 'prediction only'\n"
      "    WHEN (sigbus_rounds > 0) = (published_sigbus = 'present') THEN "
      "'agrees'\n"
      "    ELSE 'differs' END AS sigbus_verdict\n"
      "FROM predicted\n"
      "ORDER BY run IS NULL, config;" },
    { "scale_agreement",
      "Each configuration's failures by class at every pair of time scales "
      "loaded (runs.time_scale): pooled counts with Wilson 95% intervals, "
      "whether the intervals overlap, and a two-sided Fisher exact test. "
      "SIGBUS is compared per round (unit 'rounds': rounds with at least "
      "one SIGBUS job); its job count is shown but not compared (compared "
      "0): how many jobs of a round a SIGBUS ends depends on how the "
      "machine's scheduler interleaves the jobs, which no time scale "
      "compresses",
      "CREATE TABLE scale_agreement AS\n"
      "WITH classes(class, class_order) AS (VALUES ('ioerr', 1), "
      "('sigbus', 3),\n"
      "    ('locked', 4), ('malformed', 5), ('other', 6), ('any', 7)),\n"
      "rounds_run AS (\n"
      "  SELECT j.config, j.published_run, j.profile, j.fault_model,\n"
      "    j.file_system, r.time_scale,\n"
      "    sum(j.failure_class = 'sigbus') AS sigbus_jobs\n"
      "  FROM job_classes j JOIN runs r USING (run_id)\n"
      "  GROUP BY j.run_id, j.round, j.config),\n"
      "per_scale AS (\n"
      "  SELECT j.config, j.published_run, j.profile, j.fault_model,\n"
      "    j.file_system, r.time_scale, c.class, c.class_order,\n"
      "    'jobs' AS unit, count(*) AS n, sum(CASE WHEN c.class = 'any'\n"
      "      THEN j.failure_class <> 'none'\n"
      "      ELSE j.failure_class = c.class END) AS failures\n"
      "  FROM job_classes j JOIN runs r USING (run_id) CROSS JOIN classes c\n"
      "  GROUP BY j.config, r.time_scale, c.class\n"
      "  UNION ALL\n"
      "  SELECT config, published_run, profile, fault_model, file_system,\n"
      "    time_scale, 'sigbus_rounds', 2, 'rounds', count(*),\n"
      "    sum(sigbus_jobs > 0)\n"
      "  FROM rounds_run GROUP BY config, time_scale),\n"
      "bounded AS (\n"
      "  SELECT *, wilson_low(failures, n) AS low, wilson_high(failures, n) "
      "AS high,\n"
      "    class <> 'sigbus' AS compared -- SIGBUS jobs: machine-dependent\n"
      "  FROM per_scale)\n"
      "SELECT a.config, a.published_run, a.profile, a.fault_model,\n"
      "  a.file_system, a.class, a.class_order, a.unit,\n"
      "  a.compared, a.time_scale AS scale_a, a.failures AS failures_a,\n"
      "  a.n AS n_a, a.low AS low_a, a.high AS high_a,\n"
      "  b.time_scale AS scale_b, b.failures AS failures_b, b.n AS n_b,\n"
      "  b.low AS low_b, b.high AS high_b,\n"
      "  CASE WHEN a.compared THEN a.low <= b.high AND b.low <= a.high END\n"
      "    AS intervals_overlap,\n"
      "  CASE WHEN a.compared THEN fisher_p(a.failures, a.n, b.failures, "
      "b.n) END\n"
      "    AS p\n"
      "FROM bounded a JOIN bounded b ON b.config = a.config\n"
      "  AND b.class = a.class AND b.time_scale > a.time_scale\n"
      "ORDER BY a.config, a.class_order, scale_a, scale_b;" },
    { "failed_operations",
      "Failed jobs by the call that failed (or was in flight when a signal "
      "ended the job) and its extended code",
      "CREATE TABLE failed_operations AS\n"
      "SELECT config, published_run, profile, fault_model, file_system,\n"
      "  failure_class,\n"
      "  CASE WHEN failed_op <> '' THEN failed_op\n"
      "    WHEN in_flight <> '' THEN in_flight ELSE '(none)' END AS "
      "operation,\n"
      "  CASE WHEN outcome = 'failed' THEN code_name\n"
      "    WHEN signal <> 0 THEN outcome || ' by signal ' || signal\n"
      "    ELSE outcome END AS code,\n"
      "  count(*) AS jobs\n"
      "FROM job_classes WHERE failure_class <> 'none'\n"
      "GROUP BY config, failure_class, operation, code\n"
      "ORDER BY config, jobs DESC, operation, code;" },
    { "injected_faults",
      "Faults the model injected into jobs that failed, by class, file kind "
      "and code (fault log rank = job, log file = round; a mechanism's line, "
      "by=mechanism, is not a fault)",
      "CREATE TABLE injected_faults AS\n"
      "SELECT j.config, j.published_run, j.profile, j.fault_model,\n"
      "  j.file_system, j.failure_class, e.class AS fault_class,\n"
      "  e.kind AS file_kind, e.name AS fault_code,\n"
      "  count(DISTINCT j.run_id || '/' || j.round || '/' || j.job) AS "
      "failed_jobs,\n"
      "  count(*) AS faults\n"
      "FROM job_classes j\n"
      "JOIN fault_events e ON e.run_id = j.run_id AND e.round = j.round\n"
      "  AND e.rank = j.job\n"
      "WHERE j.failure_class <> 'none' AND e.drawn_by <> 'mechanism'\n"
      "GROUP BY j.config, j.failure_class, fault_class, file_kind, "
      "fault_code\n"
      "ORDER BY j.config, failed_jobs DESC, faults DESC, fault_class, "
      "file_kind;" },
    { "job_summary",
      "Per configuration: failed jobs and how many of them had a logged "
      "fault, retries by class, faults injected, and the jobs' database "
      "time (nearest-rank percentiles over jobs that lived their whole "
      "life: ok, skipped or failed)",
      "CREATE TABLE job_summary AS\n"
      "WITH timed AS (\n"
      "  SELECT config, db_time_s,\n"
      "    row_number() OVER (PARTITION BY config ORDER BY db_time_s) AS k,\n"
      "    count(*) OVER (PARTITION BY config) AS n\n"
      "  FROM job_classes WHERE outcome IN ('ok', 'skipped', 'failed')),\n"
      "percentiles AS (\n"
      "  SELECT config, min(CASE WHEN k >= 0.5 * n THEN db_time_s END) AS "
      "p50,\n"
      "    min(CASE WHEN k >= 0.99 * n THEN db_time_s END) AS p99\n"
      "  FROM timed GROUP BY config),\n"
      "logged AS (SELECT DISTINCT run_id, round, rank FROM fault_events\n"
      "  WHERE drawn_by <> 'mechanism')\n"
      "SELECT j.config, j.published_run, j.profile, j.fault_model,\n"
      "  j.file_system, count(*) AS jobs,\n"
      "  sum(j.failure_class <> 'none') AS failed_jobs,\n"
      "  sum(j.failure_class <> 'none' AND l.rank IS NOT NULL)\n"
      "    AS failed_with_logged_fault,\n"
      "  sum(j.retries_locked) AS retries_locked,\n"
      "  sum(j.retries_ioerr) AS retries_ioerr,\n"
      "  sum(j.retries_corrupt) AS retries_corrupt,\n"
      "  sum(j.faults_injected) AS faults_injected,\n"
      "  p.p50 AS db_time_p50_s, p.p99 AS db_time_p99_s\n"
      "FROM job_classes j\n"
      "LEFT JOIN logged l ON l.run_id = j.run_id AND l.round = j.round\n"
      "  AND l.rank = j.job\n"
      "LEFT JOIN percentiles p ON p.config = j.config\n"
      "GROUP BY j.config ORDER BY j.config;" },
    { "kills",
      "Jobs SIGKILLed by the harness (--kill-rate, --kill-at), where the "
      "kill landed, and what the round's verification found",
      "CREATE TABLE kills AS\n"
      "WITH per_job AS (\n"
      "  SELECT config, published_run, profile, fault_model, file_system,\n"
      "    count(*) AS jobs,\n"
      "    sum(outcome = 'killed') AS killed,\n"
      "    -- a call that writes: every one but open, close and the reads\n"
      "    sum(outcome = 'killed' AND in_flight NOT IN ('', 'open', "
      "'close',\n"
      "      'list_unfinished') AND in_flight NOT LIKE 'get\\_%' "
      "ESCAPE '\\')\n"
      "      AS killed_in_write,\n"
      "    sum(verdict = 'unknown_committed') AS unknown_committed,\n"
      "    sum(verdict = 'unknown_committed' AND unknown_op <> '')\n"
      "      AS committed_after_failed_call,\n"
      "    sum(verdict = 'unknown_lost') AS unknown_lost\n"
      "  FROM job_classes GROUP BY config),\n"
      "per_round AS ( -- a round whose set-up failed was never verified\n"
      "  SELECT c.config, count(*) AS rounds,\n"
      "    sum(o.integrity <> 'ok') AS integrity_failures,\n"
      "    sum(o.lost_updates) AS lost_updates\n"
      "  FROM rounds o JOIN run_configs c ON c.run_id = o.run_id\n"
      "    AND c.profile = o.profile\n"
      "  WHERE o.setup = 'ok' GROUP BY c.config)\n"
      "SELECT j.*, j.killed - j.killed_in_write AS killed_elsewhere, "
      "r.rounds,\n"
      "  r.integrity_failures, r.lost_updates\n"
      "FROM per_job j JOIN per_round r USING (config)\n"
      "ORDER BY config;" },
    { "sigbus_attribution",
      "Per configuration: jobs a SIGBUS ended, how many had a fault logged "
      "for themselves, and how many crashed in a round where another job "
      "(rank <> job) reset the -shm file (fault log by=mechanism "
      "effect=reset), with the number of those resets",
      "CREATE TABLE sigbus_attribution AS\n"
      "WITH sigbus AS (SELECT * FROM job_classes WHERE failure_class = "
      "'sigbus'),\n"
      "remote AS (\n"
      "  SELECT s.config, s.run_id, s.round, s.job, e.rowid AS event\n"
      "  FROM sigbus s JOIN fault_events e ON e.run_id = s.run_id\n"
      "    AND e.round = s.round AND e.rank <> s.job\n"
      "  WHERE e.drawn_by = 'mechanism' AND e.effect = 'reset'),\n"
      "remote_jobs AS (SELECT DISTINCT run_id, round, job FROM remote),\n"
      "logged AS (SELECT DISTINCT run_id, round, rank FROM fault_events\n"
      "  WHERE drawn_by <> 'mechanism')\n"
      "SELECT j.config, j.published_run, j.profile, j.fault_model,\n"
      "  j.file_system, count(*) AS jobs, count(s.job) AS sigbus_jobs,\n"
      "  count(s.job) - count(l.rank) AS sigbus_no_fault_logged,\n"
      "  count(m.job) AS sigbus_after_remote_reset,\n"
      "  (SELECT count(DISTINCT event) FROM remote r WHERE r.config = "
      "j.config)\n"
      "    AS remote_resets\n"
      "FROM job_classes j\n"
      "LEFT JOIN sigbus s ON s.run_id = j.run_id AND s.round = j.round\n"
      "  AND s.job = j.job\n"
      "LEFT JOIN logged l ON l.run_id = s.run_id AND l.round = s.round\n"
      "  AND l.rank = s.job\n"
      "LEFT JOIN remote_jobs m ON m.run_id = s.run_id AND m.round = s.round\n"
      "  AND m.job = s.job\n"
      "GROUP BY j.config ORDER BY j.config;" },
    { "op_latency",
      "Per configuration and tracker operation (ops.csv, summed over the "
      "rounds' jobs): calls, attempts, retries by class, failed calls, "
      "backoff, and latency: mean, p50 and p99 as the upper edge of the "
      "power-of-two bucket the quantile falls in (bucket b of latency_hist: "
      "[2^b, 2^(b+1)) us), capped by the maximum, as "
      "tracker_op_stats_percentile() does",
      "CREATE TABLE op_latency AS\n"
      "WITH RECURSIVE configured AS (\n"
      "  SELECT c.config, c.published_run, c.fault_model, c.file_system,\n"
      "    o.rowid AS ops_row, o.*\n"
      "  FROM ops o JOIN run_configs c ON c.run_id = o.run_id\n"
      "    AND c.profile = o.profile),\n"
      "split(config, op, bucket, calls, rest) AS (\n"
      "  SELECT config, op, -1, 0, latency_hist || ' ' FROM configured\n"
      "  UNION ALL\n"
      "  SELECT config, op, bucket + 1,\n"
      "    CAST(substr(rest, 1, instr(rest, ' ') - 1) AS INTEGER),\n"
      "    substr(rest, instr(rest, ' ') + 1)\n"
      "  FROM split WHERE rest <> ''),\n"
      "buckets AS (\n"
      "  SELECT config, op, bucket, sum(calls) AS calls FROM split\n"
      "  WHERE bucket >= 0 GROUP BY config, op, bucket),\n"
      "cumulative AS (\n"
      "  SELECT config, op, bucket, calls,\n"
      "    sum(calls) OVER (PARTITION BY config, op ORDER BY bucket) AS "
      "seen,\n"
      "    sum(calls) OVER (PARTITION BY config, op) AS total\n"
      "  FROM buckets),\n"
      "quantile_buckets AS (\n"
      "  SELECT config, op,\n"
      "    min(CASE WHEN calls > 0 AND seen >= 0.5 * total THEN bucket END) "
      "AS b50,\n"
      "    min(CASE WHEN calls > 0 AND seen >= 0.99 * total THEN bucket END) "
      "AS b99\n"
      "  FROM cumulative GROUP BY config, op),\n"
      "totals AS (\n"
      "  SELECT o.config, o.published_run, o.profile, o.fault_model,\n"
      "    o.file_system, o.op, count(*) AS rounds,\n"
      "    sum(o.calls) AS calls, sum(o.attempts) AS attempts,\n"
      "    sum(o.retries_locked) AS retries_locked,\n"
      "    sum(o.retries_ioerr) AS retries_ioerr,\n"
      "    sum(o.retries_corrupt) AS retries_corrupt,\n"
      "    sum(o.failures) AS failures, sum(o.backoff_s) AS backoff_s,\n"
      "    sum(o.latency_total_s) / sum(o.calls) AS latency_mean_s,\n"
      "    max(o.latency_max_s) AS latency_max_s, min(o.ops_row) AS first\n"
      "  FROM configured o GROUP BY o.config, o.op)\n"
      "SELECT t.config, t.published_run, t.profile, t.fault_model,\n"
      "  t.file_system, t.op, t.rounds, t.calls, t.attempts,\n"
      "  t.retries_locked, t.retries_ioerr, t.retries_corrupt, t.failures,\n"
      "  t.backoff_s, t.latency_mean_s,\n"
      "  min((1 << (q.b50 + 1)) * 1e-6, t.latency_max_s) AS latency_p50_s,\n"
      "  min((1 << (q.b99 + 1)) * 1e-6, t.latency_max_s) AS latency_p99_s,\n"
      "  t.latency_max_s\n"
      "FROM totals t JOIN quantile_buckets q USING (config, op)\n"
      "ORDER BY t.config, t.first;" },
    { "verdicts",
      "Per configuration, whether its settings survived: safe when no "
      "acknowledged update was lost, no integrity_check failed and every "
      "round's set-up (the database and its tasks) succeeded, with the 95% "
      "upper bound (Wilson) of its jobs' failure rate; unsafe otherwise, "
      "saying why. Verified through: the client each round's verification "
      "read the database through",
      "CREATE TABLE verdicts AS\n"
      "WITH per_round AS (\n"
      "  SELECT c.config, count(*) AS rounds,\n"
      "    sum(o.setup <> 'ok') AS setup_failed,\n"
      "    group_concat(DISTINCT CASE WHEN o.setup <> 'ok'\n"
      "      THEN o.setup_code_name END) AS setup_codes,\n"
      "    coalesce(sum(CASE WHEN o.setup = 'ok' AND NOT "
      NOT_VERIFIED("o.integrity") " THEN o.lost_updates END), 0)\n"
      "      AS lost_updates,\n"
      "    -- a verification that could not open or read the database "
      "checked nothing\n"
      "    sum(o.setup = 'ok' AND " NOT_VERIFIED("o.integrity") ")\n"
      "      AS unverified,\n"
      "    sum(o.setup = 'ok' AND o.integrity <> 'ok'\n"
      "      AND NOT " NOT_VERIFIED("o.integrity") ") AS integrity_failures\n"
      "  FROM rounds o JOIN run_configs c ON c.run_id = o.run_id\n"
      "    AND c.profile = o.profile\n"
      "  GROUP BY c.config),\n"
      "verifiers AS (\n"
      "  SELECT c.config, group_concat(DISTINCT coalesce(\n"
      "      json_extract(r.fs_info, '$.verify_client'),\n"
      "      nullif(r.verified_through, ''),\n"
      "      'the database directory (as the jobs saw it)'))\n"
      "    AS verified_through\n"
      "  FROM run_configs c JOIN runs r USING (run_id) GROUP BY c.config),\n"
      "judged AS (\n"
      "  SELECT c.config, c.published_run, c.profile, c.fault_model,\n"
      "    c.file_system, p.rounds, p.setup_failed, p.setup_codes,\n"
      "    p.lost_updates, p.unverified, p.integrity_failures,\n"
      "    v.verified_through,\n"
      "    coalesce(m.jobs, 0) AS jobs_run,\n"
      "    coalesce(m.failures, 0) AS failed_jobs,\n"
      "    wilson_high(coalesce(m.failures, 0), coalesce(m.jobs, 0))\n"
      "      AS failure_high,\n"
      "    trim(CASE WHEN p.lost_updates > 0 THEN p.lost_updates\n"
      "        || ' acknowledged update' || CASE WHEN p.lost_updates > 1\n"
      "        THEN 's' ELSE '' END || ' lost; ' ELSE '' END\n"
      "      || CASE WHEN p.integrity_failures > 0 THEN\n"
      "        'integrity_check failed in ' || p.integrity_failures || ' of '\n"
      "        || (p.rounds - p.setup_failed) || ' rounds; ' ELSE '' END\n"
      "      || CASE WHEN p.unverified > 0 THEN 'the verification could "
      "not open the database in ' || p.unverified || ' of '\n"
      "        || (p.rounds - p.setup_failed) || ' rounds; ' ELSE '' END\n"
      "      || CASE WHEN p.setup_failed > 0 THEN 'set-up failed in '\n"
      "        || p.setup_failed || ' of ' || p.rounds || ' rounds ('\n"
      "        || p.setup_codes || '); ' ELSE '' END, '; ') AS reasons\n"
      "  FROM configurations c JOIN per_round p USING (config)\n"
      "  JOIN verifiers v USING (config)\n"
      "  LEFT JOIN matrix m ON m.config = c.config AND m.round IS NULL\n"
      "    AND m.class = 'any')\n"
      "SELECT *, CASE WHEN reasons = '' THEN 'safe' ELSE 'unsafe: ' ||\n"
      "    reasons END AS verdict\n"
      "FROM judged ORDER BY config;" },
    { "comparison",
      "Model against reality: each configuration run under a fault model "
      "beside the same profile run with none (nothing simulated, on a real "
      "file system), failure by failure: SIGBUS and each extended code of "
      "the failed jobs (counted in jobs), set-up failures by code (in "
      "rounds), acknowledged updates lost (in updates) and integrity_check "
      "failures (in verified rounds), with a two-sided Fisher exact test "
      "where both count in jobs or rounds, and what the model's fault logs "
      "attribute each to: the faults and mechanisms logged for the failed "
      "jobs (for SIGBUS also other nodes' -shm resets in their rounds; for "
      "lost updates and integrity, the mechanisms logged in the rounds "
      "that had them)",
      "CREATE TABLE comparison AS\n"
      "WITH kinds AS (\n"
      "  SELECT c.config, c.profile, max(r.model <> 'none') AS is_model\n"
      "  FROM run_configs c JOIN runs r USING (run_id) GROUP BY c.config),\n"
      "pairs AS (\n"
      "  SELECT m.config AS model_config, t.config AS real_config,\n"
      "    m.profile FROM kinds m JOIN kinds t ON t.profile = m.profile\n"
      "  WHERE m.is_model AND NOT t.is_model),\n"
      "configured_rounds AS (\n"
      "  SELECT c.config, o.* FROM rounds o JOIN run_configs c\n"
      "    ON c.run_id = o.run_id AND c.profile = o.profile),\n"
      "sizes AS (\n"
      "  SELECT c.config, (SELECT count(*) FROM job_classes j\n"
      "      WHERE j.config = c.config) AS jobs,\n"
      "    c.rounds, (SELECT count(*) FROM configured_rounds o\n"
      "      WHERE o.config = c.config AND o.setup = 'ok'\n"
      "        AND NOT " NOT_VERIFIED("o.integrity") ") AS verified\n"
      "  FROM configurations c),\n"
      "-- item_order: 1 SIGBUS, 2 I/O errors, 3 other codes, 4 set-up,\n"
      "-- 5 lost updates, 6 integrity\n"
      "items(config, item, unit, item_order, failures) AS (\n"
      "  SELECT config, " FAILURE_ITEM("") ", 'jobs',\n"
      "    CASE WHEN outcome = 'failed' AND (code & 255) = 10 THEN 2\n"
      "      ELSE 3 END, count(*)\n"
      "  FROM job_classes\n"
      "  WHERE failure_class NOT IN ('none', 'sigbus')\n"
      "  GROUP BY config, 2\n"
      "  UNION ALL\n"
      "  SELECT config, 'set-up failed: ' || setup_code_name, 'rounds', 4,\n"
      "    count(*)\n"
      "  FROM configured_rounds WHERE setup <> 'ok' GROUP BY config, 2\n"
      "  UNION ALL\n"
      "  SELECT config, 'SIGBUS', 'jobs', 1, (SELECT count(*) FROM\n"
      "      job_classes j WHERE j.config = s.config\n"
      "      AND j.failure_class = 'sigbus') FROM sizes s\n"
      "  UNION ALL\n"
      "  SELECT config, 'acknowledged updates lost', 'updates', 5,\n"
      "    coalesce(sum(CASE WHEN setup = 'ok' AND NOT "
      NOT_VERIFIED("integrity") " THEN lost_updates END), 0)\n"
      "  FROM configured_rounds GROUP BY config\n"
      "  UNION ALL\n"
      "  SELECT config, 'integrity_check failed', 'verified rounds', 6,\n"
      "    coalesce(sum(setup = 'ok' AND integrity <> 'ok'\n"
      "      AND NOT " NOT_VERIFIED("integrity") "), 0)\n"
      "  FROM configured_rounds GROUP BY config),\n"
      "verified_items(item) AS (VALUES ('acknowledged updates lost'),\n"
      "  ('integrity_check failed')),\n"
      "-- the model's logged faults on its failed jobs, per item\n"
      "job_faults AS (\n"
      "  SELECT j.config, " FAILURE_ITEM("j.") " AS item,\n"
      "    e.class || ' ' || e.effect || ' on ' || e.kind || ' ('\n"
      "      || e.drawn_by || ')' AS cause\n"
      "  FROM job_classes j JOIN fault_events e ON e.run_id = j.run_id\n"
      "    AND e.round = j.round AND e.rank = j.job\n"
      "  WHERE j.failure_class <> 'none'\n"
      "  UNION ALL\n"
      "  SELECT j.config, 'SIGBUS', 'another node reset -shm (mechanism)'\n"
      "  FROM job_classes j JOIN fault_events e ON e.run_id = j.run_id\n"
      "    AND e.round = j.round AND e.rank <> j.job\n"
      "  WHERE j.failure_class = 'sigbus' AND e.drawn_by = 'mechanism'\n"
      "    AND e.effect = 'reset'\n"
      "  UNION ALL\n"
      "  SELECT o.config, v.item, e.class || ' ' || e.effect || ' on '\n"
      "    || e.kind || ' (mechanism)'\n"
      "  FROM configured_rounds o JOIN verified_items v\n"
      "  JOIN fault_events e ON e.run_id = o.run_id AND e.round = o.round\n"
      "  WHERE o.setup = 'ok' AND e.drawn_by = 'mechanism'\n"
      "    AND CASE v.item WHEN 'acknowledged updates lost'\n"
      "      THEN o.lost_updates > 0 ELSE o.integrity <> 'ok' END),\n"
      "attributed AS (\n"
      "  SELECT config, item, replace(group_concat(DISTINCT cause), ',', "
      "', ')\n"
      "    AS causes FROM job_faults GROUP BY config, item),\n"
      "universe AS (\n"
      "  SELECT DISTINCT p.model_config, p.real_config, p.profile, i.item,\n"
      "    i.unit, i.item_order\n"
      "  FROM pairs p JOIN items i ON i.config IN (p.model_config, "
      "p.real_config)),\n"
      "sided AS (\n"
      "  SELECT u.*, coalesce(m.failures, 0) AS model_failures,\n"
      "    coalesce(r.failures, 0) AS real_failures,\n"
      "    CASE WHEN u.unit = 'jobs' THEN ms.jobs WHEN u.item_order = 4\n"
      "      THEN ms.rounds WHEN u.item_order = 6 THEN ms.verified END\n"
      "      AS model_n,\n"
      "    CASE WHEN u.unit = 'jobs' THEN rs.jobs WHEN u.item_order = 4\n"
      "      THEN rs.rounds WHEN u.item_order = 6 THEN rs.verified END\n"
      "      AS real_n,\n"
      "    ms.verified AS model_verified, rs.verified AS real_verified\n"
      "  FROM universe u\n"
      "  JOIN sizes ms ON ms.config = u.model_config\n"
      "  JOIN sizes rs ON rs.config = u.real_config\n"
      "  LEFT JOIN items m ON m.config = u.model_config AND m.item = u.item\n"
      "  LEFT JOIN items r ON r.config = u.real_config AND r.item = u.item),\n"
      "tested AS (\n"
      "  SELECT *,\n"
      "    -- what a side's count rests on: its jobs or rounds, or for lost\n"
      "    -- updates (no rate) its verified rounds\n"
      "    coalesce(model_n, model_verified) AS model_seen,\n"
      "    coalesce(real_n, real_verified) AS real_seen,\n"
      "    CASE WHEN model_n > 0 AND real_n > 0 THEN fisher_p(model_failures,\n"
      "      model_n, real_failures, real_n) END AS p\n"
      "  FROM sided),\n"
      "judged AS (\n"
      "  SELECT *, coalesce(p < 0.05, 0) AS significant,\n"
      "    CASE WHEN real_failures = 0 THEN 'the model'\n"
      "      ELSE 'the real file system' END AS only_side\n"
      "  FROM tested)\n"
      "SELECT s.profile, s.model_config, mc.fault_model || ' on ' ||\n"
      "    mc.file_system AS model, s.real_config,\n"
      "  rc.file_system AS real_file_system, s.item, s.unit, s.item_order,\n"
      "  s.model_failures, s.model_n, s.real_failures, s.real_n, s.p,\n"
      "  CASE WHEN s.model_seen = 0 OR s.real_seen = 0 THEN\n"
      "      'not comparable: ' || CASE WHEN s.real_seen = 0\n"
      "        THEN 'the real file system' ELSE 'the model' END || ' ran no '\n"
      "      || CASE WHEN s.unit = 'jobs' THEN 'job' ELSE 'verified round' "
      "END\n"
      "    WHEN s.model_failures = 0 AND s.real_failures = 0\n"
      "      THEN 'agree: neither'\n"
      "    -- one side only: a difference where a lost update is one, or\n"
      "    -- where Fisher's test says so; else too few to tell\n"
      "    WHEN s.model_failures = 0 OR s.real_failures = 0 THEN\n"
      "      CASE WHEN s.unit = 'updates' OR s.significant\n"
      "        THEN 'differs: only ' || s.only_side\n"
      "        ELSE 'only ' || s.only_side || ' (not significant)' END\n"
      "    WHEN s.significant THEN 'differs: rate'\n"
      "    ELSE 'agree: both' END AS agreement,\n"
      "  coalesce(a.causes, CASE WHEN s.model_failures > 0\n"
      "    THEN '(nothing logged)' END) AS model_attribution\n"
      "FROM judged s\n"
      "JOIN configurations mc ON mc.config = s.model_config\n"
      "JOIN configurations rc ON rc.config = s.real_config\n"
      "LEFT JOIN attributed a ON a.config = s.model_config AND a.item = "
      "s.item\n"
      "ORDER BY s.model_config, s.real_config, s.item_order, s.item;" },
};
const int report_query_count =
    (int)(sizeof report_queries / sizeof report_queries[0]);

/* A markdown section: one SELECT over the derived tables whose columns are
 * the table's, already formatted. */
typedef struct section {
    const char *title;
    const char *note;
    const char *header; /* markdown header row */
    const char *select;
    bool needs_local;   /* about a results directory, not the reference */
    const char *recorded_in; /* the optional file's table it reads, or NULL */
    const char *shown_if;    /* a SELECT giving a count: shown when > 0 */
    bool compare_only;       /* shown only when asked (--compare) */
} section;

/* "k/n = r% [low, high]" of a matrix row. */
#define CELL(c)                                                              \
    "max(CASE WHEN class = '" c "' THEN printf('%d/%d = %.1f%% [%.1f, "   \
    "%.1f]', failures, jobs, 100 * rate, 100 * rate_low, 100 * rate_high) " \
    "END)"
#define MATRIX_CELLS                                                         \
    CELL("ioerr") ", " CELL("sigbus") ", " CELL("locked") ", "             \
    CELL("malformed") ", " CELL("other") ", " CELL("any")
#define MATRIX_HEADER                                                        \
    "| jobs with disk I/O error | SIGBUS | locked | malformed | other "     \
    "| any failure |"
#define P_VALUE(p)                                                           \
    "CASE WHEN " p " < 0.001 THEN '<0.001' ELSE printf('%.3f', " p ") END"
/* A scale_agreement count at scale "a" or "b": "k/n = r% [low, high]"
 * when compared, the bare count when not, so it reads as no rate. */
#define SCALE_CELL(x)                                                        \
    "CASE WHEN compared THEN printf('%d/%d = %.1f%% [%.1f, %.1f]', "         \
    "failures_" x ", n_" x ",\n    100.0 * failures_" x " / n_" x          \
    ", 100 * low_" x ", 100 * high_" x ")\n"                                \
    "    ELSE failures_" x " || '/' || n_" x " END"
/* Seconds in the unit that reads best; NULL stays NULL. */
#define DURATION(x)                                                          \
    "CASE WHEN " x " = 0 THEN '0 s'\n"                                       \
    "    WHEN " x " < 1e-3 THEN printf('%.0f us', 1e6 * " x ")\n"           \
    "    WHEN " x " < 1 THEN printf('%.2f ms', 1e3 * " x ")\n"               \
    "    WHEN " x " >= 1 THEN printf('%.2f s', " x ") END"

static const section sections[] = {
    { "Failures per configuration, pooled over repeats",
      "Counts k/n = rate [Wilson 95% interval], in percent. A "
      "configuration is a profile under one fault model on one file "
      "system (the runs above say which). *Set-up failed*: rounds whose "
      "database or tasks could not be set up (rounds.csv's setup), which "
      "ran no job; *repeats* and *jobs* count the rounds that ran and "
      "their jobs. *Acknowledged updates lost* and *integrity_check "
      "failed*: trackhammer's verification after each round that ran, "
      "through the client *verified through* names (rounds.csv). "
      "*Verdict*: **safe** when no acknowledged update was lost, no "
      "integrity_check failed and every round's set-up succeeded, with the "
      "95% upper bound (Wilson) of the rate of jobs that failed for any "
      "reason; **unsafe** otherwise, and why.",
      "| run | configuration | fault model / file system | set-up failed "
      "| repeats | jobs " MATRIX_HEADER " acknowledged updates lost "
      "| integrity_check failed | verified through | verdict |",
      "SELECT c.published_run, c.profile,\n"
      "  c.fault_model || ' on ' || c.file_system,\n"
      "  printf('%d/%d rounds', c.setup_failed, c.rounds),\n"
      "  coalesce(max(m.repeats), 0), coalesce(max(m.jobs), 0), "
      MATRIX_CELLS ",\n"
      "  v.lost_updates, printf('%d/%d rounds', v.integrity_failures,\n"
      "    v.rounds - v.setup_failed), v.verified_through,\n"
      "  CASE WHEN v.verdict = 'safe' THEN printf('**safe** (failed jobs "
      "%d/%d, 95%% upper bound %.1f%%)',\n"
      "    v.failed_jobs, v.jobs_run, 100 * v.failure_high)\n"
      "    ELSE '**unsafe**: ' || v.reasons END\n"
      "FROM configurations c JOIN verdicts v USING (config)\n"
      "LEFT JOIN matrix m ON m.config = c.config AND m.round IS NULL\n"
      "GROUP BY c.config ORDER BY c.config",
      true, NULL, NULL, false },
    { "Model against reality",
      "Each profile run under a fault model (*model*) beside the same "
      "profile run with none, nothing simulated (*real file system*: its "
      "faults, if any, came from the file system itself; the runs above "
      "say which), failure by failure: SIGBUS and the extended code of "
      "each failed job (counted in jobs), set-up failures by code (in "
      "rounds), acknowledged updates lost (in updates: no rate) and "
      "integrity_check failures (in verified rounds). *Agreement*: both "
      "sides have it, or neither; where only one has it, *differs* when "
      "the two-sided Fisher exact test gives p < 0.05 (or, for lost "
      "updates, which have no rate, whenever one side lost any), else "
      "*not significant*; where both have it, *differs: rate* when "
      "p < 0.05; *not comparable* where one side ran no job (every "
      "set-up failed) or verified no round. *The model attributes it to*: what the model's fault logs "
      "hold for the failed jobs (fault class, effect, file kind, and "
      "whether drawn by chance or by a mechanism), for SIGBUS also another "
      "node's -shm reset in the round, for lost updates and integrity the "
      "mechanisms logged in the rounds that had them.",
      "| configuration | model | real file system | failure | counted in "
      "| model | real | Fisher p | agreement | the model attributes it to |",
      "SELECT profile, model, real_file_system, item, unit,\n"
      "  CASE WHEN model_n IS NULL THEN model_failures\n"
      "    ELSE model_failures || '/' || model_n END,\n"
      "  CASE WHEN real_n IS NULL THEN real_failures\n"
      "    ELSE real_failures || '/' || real_n END,\n"
      "  CASE WHEN p IS NULL THEN '-' ELSE " P_VALUE("p") " END,\n"
      "  CASE WHEN agreement LIKE 'differs%' THEN '**' || agreement || '**'\n"
      "    ELSE agreement END,\n"
      "  coalesce(model_attribution, '-')\n"
      "FROM comparison ORDER BY rowid",
      true, NULL, NULL, true },
    { "Failures per configuration, per repeat",
      "A repeat is one round of the configuration: `run_id.repeat` (run_id "
      "numbers the results directories in the order given; repeat counts "
      "from 0).",
      "| run | configuration | fault model / file system | repeat | jobs "
      MATRIX_HEADER,
      "SELECT published_run, profile, " MODEL_FS ", run_id || '.' || repeat,\n"
      "  jobs, " MATRIX_CELLS " FROM matrix WHERE round IS NOT NULL\n"
      "GROUP BY config, run_id, round ORDER BY config, run_id, round",
      true, NULL, NULL, false },
    { "Pairwise differences in the I/O-error rate",
      "Two-sided Fisher exact test on the pooled counts; *significant* when "
      "p < 0.05. *Repeats needed*: rounds of N jobs each configuration would "
      "need for a two-sided test at alpha 0.05 to detect the observed "
      "difference with 80% power (normal approximation for two "
      "proportions); `-` where the observed rates are equal.",
      "| configuration A | I/O errors A | configuration B | I/O errors B "
      "| Fisher p | significant | repeats needed (N) |",
      "SELECT config_a, ioerr_a || '/' || jobs_a, config_b, "
      "ioerr_b || '/' || jobs_b, " P_VALUE("p") ",\n"
      "  CASE WHEN significant THEN '**yes**' ELSE 'no' END,\n"
      "  coalesce(repeats_needed, '-') || ' (N=' || jobs_per_repeat || ')'\n"
      "FROM pairwise WHERE source = 'local' ORDER BY rowid",
      true, NULL, NULL, false },
    { "Agreement with the published table",
      "I/O errors: each configuration's pooled count here, k/n = rate in "
      "percent with a round-aware 95% interval: jobs of one round share its "
      "storm, so the pooled Wilson interval, which treats them as "
      "independent, is too narrow when the rate varies between rounds; the "
      "interval here is Wilson's at the effective size n / deff, deff the "
      "design effect of rounds as clusters (between-round variance of the "
      "pooled rate over the binomial one, floored at 1; 1 with fewer than "
      "two rounds). *I/O-error rate*: a two-sided Fisher exact test of the "
      "job counts against the published ones (differs when p < 0.05). "
      "*One round of 71*: each published run is one round of 71 jobs, so "
      "the question is whether its count is a plausible draw of one round "
      "here: the 95% prediction interval of the I/O-error count in one "
      "round of the published size, from a beta-binomial whose mean is the "
      "pooled rate (Jeffreys) and whose spread is the rounds' own (the "
      "intra-round correlation from deff) plus the pooled rate's "
      "uncertainty; *published in it*: whether the published count lies "
      "inside. SIGBUS: rounds here with at least one "
      "SIGBUS job, k/R [Wilson 95%], against the published table, whose "
      "every run is one round of 71 jobs: *eliminated* agrees only with "
      "k = 0, *present* with any k > 0 (one published round cannot measure "
      "how often a round shows it). The SIGBUS job count is shown but not "
      "compared: how many jobs of a round a SIGBUS ends depends on how the "
      "machine's scheduler interleaves them. *In the fit*: whether the fit "
      "file the runs used (fit= in their fault model) was fitted to that "
      "published row or held it out (its `# fitted rows` and `# held-out "
      "rows` lines; harness/faultfs/FIDELITY.md); `-` for runs without a "
      "fit (fit=none: the model's unfitted table). A held-out row that "
      "differs is a prediction the model got wrong.",
      "| run | configuration | fault model / file system | in the fit "
      "| I/O errors here [round-aware 95%: Wilson at n/deff] | published "
      "| I/O-error rate (Fisher) | one round of 71: 95% prediction "
      "| published in it "
      "| SIGBUS here: rounds with one [Wilson 95%] "
      "| SIGBUS jobs here (machine-dependent) | published (one round) "
      "| SIGBUS |",
      "SELECT published_run, profile, " MODEL_FS ", coalesce(fit_role, '-'),\n"
      "  printf('%d/%d = %.1f%% [%.1f, %.1f], deff %.2f, %d rounds', ioerr, "
      "jobs,\n"
      "    100.0 * ioerr / jobs, 100 * round_low, 100 * round_high, deff, "
      "rounds),\n"
      "  coalesce(published_ioerr || '/' || published_jobs, '-'),\n"
      "  ioerr_verdict || CASE WHEN p IS NULL THEN ''\n"
      "    WHEN p < 0.001 THEN ' (p<0.001)' ELSE printf(' (p=%.3f)', p) "
      "END,\n"
      "  printf('%d to %d of %d', predict_low, predict_high, round_jobs),\n"
      "  CASE WHEN published_in_prediction IS NULL THEN '-'\n"
      "    WHEN published_in_prediction THEN 'yes' ELSE '**no**' END,\n"
      "  printf('%d/%d rounds = %.1f%% [%.1f, %.1f]', sigbus_rounds, rounds,\n"
      "    100.0 * sigbus_rounds / rounds, 100 * sigbus_rounds_low,\n"
      "    100 * sigbus_rounds_high),\n"
      "  sigbus || '/' || jobs || ' jobs', coalesce(published_sigbus, '-'),\n"
      "  sigbus_verdict\n"
      "FROM agreement ORDER BY rowid",
      true, NULL, NULL, false },
    { "Agreement across time scales",
      "The runs loaded ran at more than one --time-scale. Per configuration "
      "and failure class: pooled counts at each scale, k/n = rate [Wilson "
      "95% interval] in percent, whether the intervals overlap, and a "
      "two-sided Fisher exact test (p < 0.05: the scales differ). SIGBUS is "
      "compared per round, as the published table states it: rounds with at "
      "least one SIGBUS job out of rounds. Its job count is shown beside it "
      "and not compared: how many jobs of a round a SIGBUS ends depends on "
      "how the machine's scheduler interleaves the jobs on its cores, and "
      "CPU time does not compress with the time scale. Where SIGBUS is "
      "present, *any* counts those jobs too, and the other classes count "
      "only what jobs a SIGBUS did not end first, so they share some of "
      "that dependence.",
      "| run | configuration | fault model / file system | failure "
      "| counted in | scale A | at A "
      "| scale B | at B | intervals overlap | Fisher p |",
      "SELECT published_run, profile, " MODEL_FS ",\n"
      "  CASE WHEN class = 'sigbus_rounds' THEN 'sigbus' ELSE class END,\n"
      "  CASE WHEN compared THEN unit\n"
      "    ELSE unit || ': machine-dependent, not compared' END,\n"
      "  printf('%g', scale_a), " SCALE_CELL("a") ",\n"
      "  printf('%g', scale_b), " SCALE_CELL("b") ",\n"
      "  CASE WHEN NOT compared THEN '-' WHEN intervals_overlap THEN 'yes'\n"
      "    ELSE '**no**' END,\n"
      "  CASE WHEN NOT compared THEN '-' ELSE " P_VALUE("p") " END\n"
      "FROM scale_agreement ORDER BY rowid",
      true, NULL, "SELECT count(DISTINCT time_scale) > 1 FROM runs", false },
    { "Attribution: the failing call",
      "Failed jobs by the tracker call that failed (for a job a signal "
      "ended: the call in flight) and the extended code.",
      "| run | configuration | fault model / file system | failure class "
      "| operation | code | jobs |",
      "SELECT published_run, profile, " MODEL_FS ", failure_class, "
      "operation,\n  code, jobs "
      "FROM failed_operations ORDER BY rowid",
      true, NULL, NULL, false },
    { "Attribution: injected faults in failed jobs",
      "Faults from the fault model's logs (`faults-round-N.log`) in the jobs "
      "that failed, joined by round and rank = job; none without a fault "
      "model.",
      "| run | configuration | fault model / file system | failure class "
      "| fault class | file kind "
      "| fault code | failed jobs | faults |",
      "SELECT published_run, profile, " MODEL_FS ", failure_class, "
      "fault_class,\n  file_kind, "
      "fault_code, failed_jobs, faults FROM injected_faults ORDER BY rowid",
      true, NULL, NULL, false },
    { "Kills: where they landed and what survived",
      "Jobs the harness SIGKILLed (--kill-rate; --kill-at write places each "
      "kill at one of the job's file writes, syncs, truncates or unlinks). "
      "*In a write call*: the tracker call in flight writes the database "
      "(every call but open, close and the reads); *elsewhere*: open or a "
      "read, where a job rolls back the hot journal a killed job left, or "
      "between calls. Integrity and lost acknowledged updates: trackhammer's "
      "verification after each round (rounds.csv). *Unknown outcome*: jobs "
      "whose last status write was cut short by the kill or had returned an "
      "error, by what the database holds; both are allowed. *Committed after "
      "a failed call*: of the committed ones, jobs where a status write had "
      "returned an error before the kill, so the write that committed may "
      "be that call's (SQLite can return an error after a commit, e.g. "
      "SQLITE_IOERR_RDLOCK when the lock's downgrade fails), not the one "
      "the kill cut short.",
      "| run | configuration | fault model / file system | jobs | killed "
      "| in a write call | elsewhere "
      "| rounds failing integrity_check | acknowledged updates lost "
      "| unknown outcome: committed / not | committed after a failed call |",
      "SELECT published_run, profile, " MODEL_FS ", jobs, killed,\n"
      "  killed_in_write,\n"
      "  killed_elsewhere, integrity_failures || ' of ' || rounds, "
      "lost_updates,\n"
      "  unknown_committed || ' / ' || unknown_lost, "
      "committed_after_failed_call\n"
      "FROM kills ORDER BY rowid",
      true, NULL, "SELECT count(*) FROM jobs WHERE outcome = 'killed'", false },
    { "Attribution: SIGBUS and other nodes' -shm resets",
      "SIGBUS model (b) kills a job with no fault injected into it: a "
      "connection on another simulated node, believing itself the first, "
      "truncates the -shm file under the job's mapping, and the fault log "
      "records that reset (by=mechanism effect=reset). A SIGBUS job is "
      "counted *after a reset* when another job of its round (rank <> job) "
      "logged one; the crashed job's node is not in jobs.csv, but under the "
      "default placement (one simulated node per job, node = job index) "
      "another job is another node. Such a job still counts as *no fault "
      "logged* here, and not as *failed with a logged fault* below.",
      "| run | configuration | fault model / file system | jobs | SIGBUS "
      "| no fault logged "
      "| after another node's reset | resets |",
      "SELECT published_run, profile, " MODEL_FS ", jobs, sigbus_jobs, "
      "sigbus_no_fault_logged,\n"
      "  sigbus_after_remote_reset, remote_resets\n"
      "FROM sigbus_attribution ORDER BY rowid",
      true, NULL, NULL, false },
    { "Retries and database time",
      "Retries summed over the jobs' calls, from jobs.csv (per operation, "
      "with the time spent in backoff, below). Database time: time inside "
      "tracker calls, nearest-rank percentiles over the jobs that lived "
      "their whole life.",
      "| run | configuration | fault model / file system | jobs | failed "
      "| failed with a logged fault "
      "| retries locked | retries I/O error | retries malformed "
      "| faults injected | db time p50 | db time p99 |",
      "SELECT published_run, profile, " MODEL_FS ", jobs, failed_jobs, "
      "failed_with_logged_fault,\n"
      "  retries_locked, retries_ioerr, retries_corrupt, faults_injected,\n"
      "  printf('%.1f ms', 1e3 * db_time_p50_s), "
      "printf('%.1f ms', 1e3 * db_time_p99_s)\n"
      "FROM job_summary ORDER BY rowid",
      true, NULL, NULL, false },
    { "Latency, retries and backoff per operation",
      "From ops.csv: per tracker operation, summed over the jobs of every "
      "round (the monitor's calls are not in it). *Failed*: calls that "
      "returned an error of any class; *backoff*: time slept between "
      "attempts, scaled as the run was. Latency covers the whole call, "
      "retries included; p50 and p99 are upper edges of power-of-two "
      "microsecond buckets, capped by the maximum, so good to a factor of "
      "two.",
      "| run | configuration | fault model / file system | operation "
      "| calls | attempts "
      "| retries locked | retries I/O error | retries malformed | failed "
      "| backoff | mean | p50 | p99 | max |",
      "SELECT published_run, profile, " MODEL_FS ", op, calls, attempts,\n"
      "  retries_locked,\n"
      "  retries_ioerr, retries_corrupt, failures,\n"
      "  " DURATION("backoff_s") ",\n"
      "  " DURATION("latency_mean_s") ",\n"
      "  " DURATION("latency_p50_s") ",\n"
      "  " DURATION("latency_p99_s") ",\n"
      "  " DURATION("latency_max_s") "\n"
      "FROM op_latency ORDER BY rowid",
      true, "ops", NULL, false },
    { "The published table",
      "I/O-error rates with Wilson 95% intervals, in percent.",
      "| run | configuration | jobs with disk I/O error | SIGBUS |",
      "SELECT run, profile, printf('%d/%d = %.1f%% [%.1f, %.1f]', ioerr, "
      "jobs,\n"
      "  100 * rate, 100 * rate_low, 100 * rate_high), sigbus\n"
      "FROM reference_matrix ORDER BY run",
      false, NULL, NULL, false },
    { "What the published table can tell apart",
      "Two-sided Fisher exact test between every pair of published runs "
      "(significant when p < 0.05), and the rounds of N jobs each "
      "configuration would need to detect the observed difference at alpha "
      "0.05 with 80% power (normal approximation for two proportions); `-` "
      "where the observed rates are equal.",
      "| run A | I/O errors A | run B | I/O errors B | Fisher p "
      "| significant | repeats needed (N) |",
      "SELECT config_a, ioerr_a || '/' || jobs_a, config_b, "
      "ioerr_b || '/' || jobs_b, " P_VALUE("p") ",\n"
      "  CASE WHEN significant THEN '**yes**' ELSE 'no' END,\n"
      "  coalesce(repeats_needed, '-') || ' (N=' || jobs_per_repeat || ')'\n"
      "FROM pairwise WHERE source = 'reference' ORDER BY rowid",
      false, NULL, NULL, false },
};
/* clang-format on */

int report_build(sqlite3 *db, char *err, size_t err_size)
{
    if (fit_roles_load(db, err, err_size) < 0)
        return -1;
    for (int i = 0; i < report_query_count; i++) {
        char *message = NULL;
        if (sqlite3_exec(db, report_queries[i].sql, NULL, NULL, &message) !=
            SQLITE_OK) {
            snprintf(err, err_size, "query %s: %s", report_queries[i].table,
                     message ? message : sqlite3_errmsg(db));
            sqlite3_free(message);
            return -1;
        }
    }
    return 0;
}

/* The integer a one-value SELECT gives; 0 when it gives nothing. */
static long long query_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    long long n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static long long count_rows(sqlite3 *db, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return query_count(db, sql);
}

static int print_section(sqlite3 *db, FILE *out, const section *s, char *err,
                         size_t err_size)
{
    if (s->shown_if && query_count(db, s->shown_if) == 0)
        return 0;
    if (s->recorded_in && count_rows(db, s->recorded_in) == 0) {
        fprintf(out,
                "## %s\n\nNot recorded in this run: no results "
                "directory has %s.csv (trackhammer before it wrote "
                "one).\n\n",
                s->title, s->recorded_in);
        return 0;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, s->select, -1, &stmt, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "section '%s': %s", s->title,
                 sqlite3_errmsg(db));
        return -1;
    }
    int columns = sqlite3_column_count(stmt), rows = 0;
    fprintf(out, "## %s\n\n%s\n\n%s\n|", s->title, s->note, s->header);
    for (int c = 0; c < columns; c++)
        fputs("---|", out);
    fputc('\n', out);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        rows++;
        for (int c = 0; c < columns; c++) {
            const unsigned char *text = sqlite3_column_text(stmt, c);
            fprintf(out, "| %s ", text && *text ? (const char *)text : "-");
        }
        fputs("|\n", out);
    }
    if (rows == 0)
        fputs("| (none) |\n", out);
    fputc('\n', out);
    sqlite3_finalize(stmt);
    return 0;
}

/* Each run: where, how, on what; a run that did not complete says so,
 * why, and how many of its planned rounds it holds. */
static const char runs_sql[] =
    "SELECT run_id, name, dir, command_line, seed, sqlite_version,\n"
    "  (SELECT group_concat(DISTINCT fault_model) FROM run_configs c\n"
    "    WHERE c.run_id = r.run_id),\n"
    "  (SELECT group_concat(DISTINCT file_system) FROM run_configs c\n"
    "    WHERE c.run_id = r.run_id) || ' (' || mount_options || ')',\n"
    "  CASE WHEN status IN ('interrupted', 'stopped') THEN\n"
    "    printf('\n  - **%s**%s: holds %d of %s rounds', status,\n"
    "      CASE WHEN coalesce(stop_reason, '') = '' THEN ' (no reason "
    "recorded)'\n"
    "        ELSE ' by ' || stop_reason END,\n"
    "      (SELECT count(*) FROM rounds o WHERE o.run_id = r.run_id),\n"
    "      coalesce(rounds_planned, '?') || ' planned') END\n"
    "FROM runs r ORDER BY run_id";

static void print_runs(sqlite3 *db, FILE *out)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db, runs_sql, -1, &stmt, NULL);
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
        const unsigned char *text[8];
        for (int c = 1; c < 8; c++)
            text[c] = sqlite3_column_text(stmt, c);
        fprintf(out,
                "- run %lld (`%s`): `%s`: `%s` (seed %lld, SQLite %s; fault "
                "model %s; file system %s)%s\n",
                sqlite3_column_int64(stmt, 0), text[1], text[2], text[3],
                sqlite3_column_int64(stmt, 4), text[5],
                text[6] ? (const char *)text[6] : "-",
                text[7] ? (const char *)text[7] : "-",
                sqlite3_column_text(stmt, 8)
                    ? (const char *)sqlite3_column_text(stmt, 8)
                    : "");
    }
    sqlite3_finalize(stmt);
}

/* Each fault model the tables name, with the text its label stands for. */
static void print_models(sqlite3 *db, FILE *out)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT DISTINCT c.fault_model, r.model_key "
                       "FROM run_configs c JOIN runs r USING (run_id) "
                       "ORDER BY c.fault_model",
                       -1, &stmt, NULL);
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        fprintf(out, "- fault model %s: `%s`\n", sqlite3_column_text(stmt, 0),
                sqlite3_column_text(stmt, 1));
    sqlite3_finalize(stmt);
}

void report_write_queries(FILE *out)
{
    for (int i = 0; i < report_query_count; i++)
        fprintf(out, "-- %s: %s\n%s\n\n", report_queries[i].table,
                report_queries[i].title, report_queries[i].sql);
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        fprintf(out, "-- section: %s\n%s;\n\n", sections[i].title,
                sections[i].select);
}

static void print_queries(FILE *out)
{
    fputs("<details><summary>Queries</summary>\n\n"
          "Every table above is a SELECT over these tables of the results "
          "database. `wilson_low`, `wilson_high`, `wilson_low_deff`, "
          "`wilson_high_deff`, the aggregate `design_effect`, `fisher_p` "
          "and `repeats_needed` are th-report's own SQL functions: the "
          "database keeps their results in the tables, so the sqlite3 shell "
          "can read them.\n\n```sql\n",
          out);
    report_write_queries(out);
    fputs("```\n\n</details>\n", out);
}

/* Each file system the tables name, with what --fs-info told of it. */
static void print_file_systems(sqlite3 *db, FILE *out)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(
        db,
        "SELECT DISTINCT c.file_system, r.fs_type, r.mount_options,\n"
        "  (SELECT group_concat(key || ': ' || value, '; ')\n"
        "    FROM json_each(r.fs_info))\n"
        "FROM run_configs c JOIN runs r USING (run_id)\n"
        "ORDER BY c.file_system",
        -1, &stmt, NULL);
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
        const char *text[4];
        for (int c = 0; c < 4; c++) {
            const unsigned char *value = sqlite3_column_text(stmt, c);
            text[c] = value ? (const char *)value : NULL;
        }
        fprintf(out, "- file system %s: %s (%s)%s%s\n",
                text[0] ? text[0] : "-", text[1] ? text[1] : "-",
                text[2] ? text[2] : "-", text[3] ? "; " : "",
                text[3] ? text[3] : "");
    }
    sqlite3_finalize(stmt);
}

int report_check_compare(sqlite3 *db, char *err, size_t err_size)
{
    if (count_rows(db, "comparison") > 0)
        return 0;
    snprintf(err, err_size,
             "--compare: no profile was run both under a fault model and "
             "with --fault-model none (a real file system): give the "
             "results directories of both, e.g. a lustre model run and a "
             "th-realfs run of the same profiles");
    return -1;
}

int report_markdown(sqlite3 *db, FILE *out, const char *db_name, bool compare,
                    char *err, size_t err_size)
{
    bool local = count_rows(db, "jobs") > 0;
    fprintf(out, "# trackhammer report\n\nResults database: %s.\n",
            db_name ? db_name : "in memory (keep it with --db or --out)");
    print_runs(db, out);
    print_models(db, out);
    print_file_systems(db, out);
    fputc('\n', out);
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if ((local || !sections[i].needs_local) &&
            (compare || !sections[i].compare_only) &&
            print_section(db, out, &sections[i], err, err_size) < 0)
            return -1;
    print_queries(out);
    return 0;
}
