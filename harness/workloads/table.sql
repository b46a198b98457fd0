-- The workloads table of make reproduce-workloads, from th-report's
-- database: a row per workload and profile, a column per place (the
-- lustre model, each real file system), each cell the jobs that failed
-- (and their classes), the acknowledged writes lost, the rounds whose
-- verification found damage, and those it could not read at all.
.mode list
.headers off
CREATE TEMP VIEW cells AS
SELECT CASE WHEN instr(v.profile, ': ') THEN v.profile
            ELSE 'tracker: ' || v.profile END AS row_name,
       v.fault_model || ' on ' || v.file_system AS place,
       v.failed_jobs || '/' || v.jobs_run || ' failed'
       || coalesce(' (' || (SELECT group_concat(class || ' ' || failures, ', ')
                            FROM matrix m WHERE m.config = v.config
                            AND m.round IS NULL AND m.class <> 'any'
                            AND m.failures > 0) || ')', '')
       || CASE WHEN v.lost_updates > 0
               THEN ', ' || v.lost_updates || ' lost' ELSE '' END
       || CASE WHEN v.integrity_failures > 0
               THEN ', ' || v.integrity_failures || '/'
                    || (v.rounds - v.setup_failed) || ' damaged' ELSE '' END
       || CASE WHEN v.unverified > 0
               THEN ', ' || v.unverified || '/'
                    || (v.rounds - v.setup_failed) || ' not verified'
               ELSE '' END
       || CASE WHEN v.setup_failed > 0
               THEN ', ' || v.setup_failed || ' set-ups failed' ELSE '' END
       AS cell
FROM verdicts v;
SELECT '| workload: profile | '
       || (SELECT group_concat(place, ' | ')
           FROM (SELECT DISTINCT place FROM cells ORDER BY place)) || ' |';
SELECT '|---|' || (SELECT group_concat('---', '|')
                   FROM (SELECT DISTINCT place FROM cells)) || '|';
SELECT '| ' || row_name || ' | '
       || (SELECT group_concat(coalesce(c.cell, '-'), ' | ')
           FROM (SELECT DISTINCT place FROM cells ORDER BY place) p
           LEFT JOIN cells c ON c.place = p.place AND c.row_name = r.row_name)
       || ' |'
FROM (SELECT DISTINCT row_name FROM cells ORDER BY row_name) r;
