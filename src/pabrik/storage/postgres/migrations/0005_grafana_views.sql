-- pabrik PostgreSQL schema, version 5 (PostgreSQL only): read-only views and functions for
-- Grafana. Columns are named "time" so Grafana's $__timeFilter("time") and time-series
-- panels work unchanged. Raw views keep ts as a plain column, so a time filter on them still
-- prunes partitions. Window functions cannot be filtered that way, so states with durations
-- and hourly sums are functions that take the panel's window.

CREATE VIEW grafana_samples AS
SELECT ts AS "time", machine_id, signal_id, value, quality, source
FROM samples;

CREATE VIEW grafana_counts AS
SELECT ts AS "time", machine_id, good, scrap, rework, good + scrap + rework AS total,
       product_id, source
FROM counts;

CREATE VIEW grafana_states AS
SELECT ts AS "time", machine_id, state, reason, product_id, order_id, source
FROM states;

-- Each state clipped to [t_from, t_to), with the state already running at t_from; an
-- interval still open ends at t_to or now, whichever is first.
CREATE FUNCTION grafana_state_intervals(t_from timestamptz, t_to timestamptz)
RETURNS TABLE (
    machine_id text, state text, reason text,
    "start" timestamptz, "end" timestamptz, seconds double precision
)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE machines(id) AS (
        -- Distinct machines by index hops (a loose index scan), not a full scan.
        SELECT min(s.machine_id) FROM states s
        UNION ALL
        SELECT (SELECT min(s.machine_id) FROM states s WHERE s.machine_id > m.id)
        FROM machines m WHERE m.id IS NOT NULL
    ),
    events AS (
        SELECT p.machine_id, p.ts, p.state, p.reason
        FROM machines m
        CROSS JOIN LATERAL (
            SELECT s.machine_id, s.ts, s.state, s.reason FROM states s
            WHERE s.machine_id = m.id AND s.ts < t_from
            ORDER BY s.ts DESC LIMIT 1
        ) p
        WHERE m.id IS NOT NULL
        UNION ALL
        SELECT s.machine_id, s.ts, s.state, s.reason FROM states s
        WHERE s.ts >= t_from AND s.ts < t_to
    ),
    intervals AS (
        SELECT e.machine_id, e.state, e.reason,
               greatest(e.ts, t_from) AS s_start,
               least(coalesce(lead(e.ts) OVER (PARTITION BY e.machine_id ORDER BY e.ts),
                              t_to), t_to, now()) AS s_end
        FROM events e
    )
    SELECT i.machine_id, i.state, i.reason, i.s_start, i.s_end,
           extract(epoch FROM i.s_end - i.s_start)::double precision
    FROM intervals i
    WHERE i.s_end > i.s_start
    ORDER BY i.machine_id, i.s_start
$$;

-- Units per machine and UTC hour. A count covers the time up to its timestamp, so one at
-- exactly 09:00 belongs to the 08:00 hour, as in pabrik's (start, end] count windows.
CREATE FUNCTION grafana_counts_hourly(t_from timestamptz, t_to timestamptz)
RETURNS TABLE ("time" timestamptz, machine_id text, good bigint, scrap bigint, rework bigint)
LANGUAGE sql STABLE AS $$
    SELECT date_trunc('hour', c.ts - interval '1 millisecond', 'UTC'), c.machine_id,
           sum(c.good)::bigint, sum(c.scrap)::bigint, sum(c.rework)::bigint
    FROM counts c
    WHERE c.ts > t_from AND c.ts <= t_to
    GROUP BY 1, 2
    ORDER BY 1, 2
$$;

-- KPI rollups per machine and hour, without the hours whose raw data changed since (dirty).
-- Elements are milliseconds (ideal time in ns); ratios follow ISO 22400-2 as pabrik computes
-- them: availability APT/PBT, performance ideal/APT, quality GQ/PQ.
CREATE VIEW grafana_kpi_hourly AS
SELECT to_timestamp(r.start_ms / 1000.0) AS "time", r.machine_id,
       r.pot, r.pdot, r.pbt, r.apt, r.aust, r.adet, r.adot, r.unknown,
       r.pq, r.gq, r.sq, r.rq, r.ideal_ns, r.energy_wh,
       r.apt::double precision / nullif(r.pbt, 0) AS availability,
       r.ideal_ns / 1e6 / nullif(r.apt, 0) AS performance,
       r.gq::double precision / nullif(r.pq, 0) AS quality,
       (r.apt::double precision / nullif(r.pbt, 0)) * (r.ideal_ns / 1e6 / nullif(r.apt, 0))
           * (r.gq::double precision / nullif(r.pq, 0)) AS oee
FROM kpi_rollup_hour r
WHERE NOT EXISTS (
    SELECT 1 FROM kpi_rollup_dirty d
    WHERE d.machine_id = r.machine_id AND d.hour_ms = r.start_ms
);

-- OEE of each machine over a window, from summed elements (never an average of ratios).
CREATE FUNCTION grafana_oee(t_from timestamptz, t_to timestamptz)
RETURNS TABLE (
    machine_id text, hours bigint, availability double precision,
    performance double precision, quality double precision, oee double precision
)
LANGUAGE sql STABLE AS $$
    WITH s AS (
        SELECT machine_id, count(*) AS hours, sum(pbt) AS pbt, sum(apt) AS apt,
               sum(ideal_ns) AS ideal_ns, sum(pq) AS pq, sum(gq) AS gq
        FROM grafana_kpi_hourly
        WHERE "time" >= t_from AND "time" < t_to
        GROUP BY machine_id
    )
    SELECT machine_id, hours,
           apt::double precision / nullif(pbt, 0),
           ideal_ns / 1e6 / nullif(apt, 0),
           gq::double precision / nullif(pq, 0),
           (apt::double precision / nullif(pbt, 0)) * (ideal_ns / 1e6 / nullif(apt, 0))
               * (gq::double precision / nullif(pq, 0))
    FROM s
    ORDER BY machine_id
$$;
