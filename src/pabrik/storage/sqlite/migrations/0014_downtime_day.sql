-- Downtime by (state, reason) summed per machine and UTC day (issue 16), so that a year's
-- Pareto reads a day row where no hour of the day is dirty instead of ~24 hourly rows.
-- Triggers keep it equal to the hourly rows whoever writes or purges them; n counts the
-- hourly rows in a day row, which goes when its last one does.
CREATE TABLE kpi_rollup_downtime_day (
    machine_id TEXT NOT NULL,
    day_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    ms INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (machine_id, day_ms, state, reason)
) WITHOUT ROWID;

INSERT INTO kpi_rollup_downtime_day (machine_id, day_ms, state, reason, ms, n)
SELECT machine_id, start_ms - start_ms % 86400000, state, reason, sum(ms), count(*)
FROM kpi_rollup_downtime GROUP BY machine_id, start_ms - start_ms % 86400000, state, reason;

CREATE TRIGGER kpi_rollup_downtime_day_add AFTER INSERT ON kpi_rollup_downtime
BEGIN
    INSERT INTO kpi_rollup_downtime_day (machine_id, day_ms, state, reason, ms, n)
    VALUES (NEW.machine_id, NEW.start_ms - NEW.start_ms % 86400000, NEW.state, NEW.reason,
            NEW.ms, 1)
    ON CONFLICT (machine_id, day_ms, state, reason)
    DO UPDATE SET ms = ms + excluded.ms, n = n + 1;
END;

CREATE TRIGGER kpi_rollup_downtime_day_remove AFTER DELETE ON kpi_rollup_downtime
BEGIN
    UPDATE kpi_rollup_downtime_day SET ms = ms - OLD.ms, n = n - 1
    WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - OLD.start_ms % 86400000
      AND state = OLD.state AND reason = OLD.reason;
    DELETE FROM kpi_rollup_downtime_day
    WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - OLD.start_ms % 86400000
      AND state = OLD.state AND reason = OLD.reason AND n <= 0;
END;

CREATE TRIGGER kpi_rollup_downtime_day_change AFTER UPDATE ON kpi_rollup_downtime
BEGIN
    UPDATE kpi_rollup_downtime_day SET ms = ms - OLD.ms, n = n - 1
    WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - OLD.start_ms % 86400000
      AND state = OLD.state AND reason = OLD.reason;
    DELETE FROM kpi_rollup_downtime_day
    WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - OLD.start_ms % 86400000
      AND state = OLD.state AND reason = OLD.reason AND n <= 0;
    INSERT INTO kpi_rollup_downtime_day (machine_id, day_ms, state, reason, ms, n)
    VALUES (NEW.machine_id, NEW.start_ms - NEW.start_ms % 86400000, NEW.state, NEW.reason,
            NEW.ms, 1)
    ON CONFLICT (machine_id, day_ms, state, reason)
    DO UPDATE SET ms = ms + excluded.ms, n = n + 1;
END;
