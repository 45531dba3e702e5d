-- Downtime by (state, reason) summed per machine and UTC day (issue 16), so that a year's
-- Pareto reads a day row where no hour of the day is dirty instead of ~24 hourly rows.
-- A trigger keeps it equal to the hourly rows whoever writes or purges them; n counts the
-- hourly rows in a day row, which goes when its last one does.
CREATE TABLE kpi_rollup_downtime_day (
    machine_id text NOT NULL,
    day_ms bigint NOT NULL,
    state text NOT NULL,
    reason text NOT NULL,
    ms bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (machine_id, day_ms, state, reason)
);

INSERT INTO kpi_rollup_downtime_day (machine_id, day_ms, state, reason, ms, n)
SELECT machine_id, start_ms - mod(start_ms, 86400000), state, reason, sum(ms), count(*)
FROM kpi_rollup_downtime GROUP BY 1, 2, 3, 4;

CREATE FUNCTION kpi_rollup_downtime_day_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE kpi_rollup_downtime_day SET ms = ms - OLD.ms, n = n - 1
        WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - mod(OLD.start_ms, 86400000)
          AND state = OLD.state AND reason = OLD.reason;
        DELETE FROM kpi_rollup_downtime_day
        WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - mod(OLD.start_ms, 86400000)
          AND state = OLD.state AND reason = OLD.reason AND n <= 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO kpi_rollup_downtime_day AS d (machine_id, day_ms, state, reason, ms, n)
        VALUES (NEW.machine_id, NEW.start_ms - mod(NEW.start_ms, 86400000), NEW.state,
                NEW.reason, NEW.ms, 1)
        ON CONFLICT (machine_id, day_ms, state, reason)
        DO UPDATE SET ms = d.ms + excluded.ms, n = d.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER kpi_rollup_downtime_day_sync
AFTER INSERT OR UPDATE OR DELETE ON kpi_rollup_downtime
FOR EACH ROW EXECUTE FUNCTION kpi_rollup_downtime_day_sync();
