-- pabrik SQLite schema, version 22: the hourly KPI rollups summed per machine and UTC day
-- (issue 16), so that a year's plant query reads ~365 day rows per machine instead of ~8,760
-- hours (the sums were most of the 12-month query on SQLite). As kpi_rollup_downtime_day
-- (0014): triggers keep it equal to the hourly rows whoever writes, re-saves or purges them,
-- n counts the hours in a day row, which goes when its last hour does. order_data holds the
-- sum of the hours' 0/1 flags: every hour had order data when it equals n.
CREATE TABLE kpi_rollup_day (
    machine_id TEXT NOT NULL,
    day_ms INTEGER NOT NULL,
    n INTEGER NOT NULL,
    pot INTEGER NOT NULL, pdot INTEGER NOT NULL, pbt INTEGER NOT NULL, apt INTEGER NOT NULL,
    aust INTEGER NOT NULL, adet INTEGER NOT NULL, adot INTEGER NOT NULL,
    unknown INTEGER NOT NULL, pq INTEGER NOT NULL, gq INTEGER NOT NULL, sq INTEGER NOT NULL,
    rq INTEGER NOT NULL, ideal_ns INTEGER NOT NULL, ideal_good_ns INTEGER NOT NULL,
    micro_ms INTEGER NOT NULL, fe INTEGER NOT NULL, cmt INTEGER NOT NULL, pmt INTEGER NOT NULL,
    aoet INTEGER NOT NULL, psq_micro INTEGER NOT NULL, energy_wh INTEGER NOT NULL,
    scrap_cost_sen INTEGER NOT NULL, order_data INTEGER NOT NULL, sq_startup INTEGER NOT NULL,
    ideal_startup_ns INTEGER NOT NULL, energy_run_wh INTEGER NOT NULL,
    PRIMARY KEY (machine_id, day_ms)
) WITHOUT ROWID;

INSERT INTO kpi_rollup_day (
    machine_id, day_ms, n, pot, pdot, pbt, apt, aust, adet, adot, unknown, pq, gq, sq, rq,
    ideal_ns, ideal_good_ns, micro_ms, fe, cmt, pmt, aoet, psq_micro, energy_wh,
    scrap_cost_sen, order_data, sq_startup, ideal_startup_ns, energy_run_wh
)
SELECT machine_id, start_ms - start_ms % 86400000, count(*),
       sum(pot), sum(pdot), sum(pbt), sum(apt), sum(aust), sum(adet), sum(adot), sum(unknown),
       sum(pq), sum(gq), sum(sq), sum(rq), sum(ideal_ns), sum(ideal_good_ns), sum(micro_ms),
       sum(fe), sum(cmt), sum(pmt), sum(aoet), sum(psq_micro), sum(energy_wh),
       sum(scrap_cost_sen), sum(order_data), sum(sq_startup), sum(ideal_startup_ns),
       sum(energy_run_wh)
FROM kpi_rollup_hour GROUP BY machine_id, start_ms - start_ms % 86400000;

CREATE TRIGGER kpi_rollup_day_add AFTER INSERT ON kpi_rollup_hour
BEGIN
    INSERT INTO kpi_rollup_day (
    machine_id, day_ms, n, pot, pdot, pbt, apt, aust, adet, adot, unknown, pq, gq, sq, rq,
    ideal_ns, ideal_good_ns, micro_ms, fe, cmt, pmt, aoet, psq_micro, energy_wh,
    scrap_cost_sen, order_data, sq_startup, ideal_startup_ns, energy_run_wh
)
    VALUES (NEW.machine_id, NEW.start_ms - NEW.start_ms % 86400000, 1,
            NEW.pot, NEW.pdot, NEW.pbt, NEW.apt, NEW.aust, NEW.adet, NEW.adot, NEW.unknown,
            NEW.pq, NEW.gq, NEW.sq, NEW.rq, NEW.ideal_ns, NEW.ideal_good_ns, NEW.micro_ms,
            NEW.fe, NEW.cmt, NEW.pmt, NEW.aoet, NEW.psq_micro, NEW.energy_wh,
            NEW.scrap_cost_sen, NEW.order_data, NEW.sq_startup, NEW.ideal_startup_ns,
            NEW.energy_run_wh)
    ON CONFLICT (machine_id, day_ms) DO UPDATE SET n = n + 1,
        pot = pot + excluded.pot, pdot = pdot + excluded.pdot, pbt = pbt + excluded.pbt,
        apt = apt + excluded.apt, aust = aust + excluded.aust, adet = adet + excluded.adet,
        adot = adot + excluded.adot, unknown = unknown + excluded.unknown,
        pq = pq + excluded.pq, gq = gq + excluded.gq, sq = sq + excluded.sq,
        rq = rq + excluded.rq, ideal_ns = ideal_ns + excluded.ideal_ns,
        ideal_good_ns = ideal_good_ns + excluded.ideal_good_ns,
        micro_ms = micro_ms + excluded.micro_ms, fe = fe + excluded.fe,
        cmt = cmt + excluded.cmt, pmt = pmt + excluded.pmt, aoet = aoet + excluded.aoet,
        psq_micro = psq_micro + excluded.psq_micro, energy_wh = energy_wh + excluded.energy_wh,
        scrap_cost_sen = scrap_cost_sen + excluded.scrap_cost_sen,
        order_data = order_data + excluded.order_data,
        sq_startup = sq_startup + excluded.sq_startup,
        ideal_startup_ns = ideal_startup_ns + excluded.ideal_startup_ns,
        energy_run_wh = energy_run_wh + excluded.energy_run_wh;
END;

CREATE TRIGGER kpi_rollup_day_remove AFTER DELETE ON kpi_rollup_hour
BEGIN
    UPDATE kpi_rollup_day SET n = n - 1,
        pot = pot - OLD.pot, pdot = pdot - OLD.pdot, pbt = pbt - OLD.pbt, apt = apt - OLD.apt,
        aust = aust - OLD.aust, adet = adet - OLD.adet, adot = adot - OLD.adot,
        unknown = unknown - OLD.unknown, pq = pq - OLD.pq, gq = gq - OLD.gq, sq = sq - OLD.sq,
        rq = rq - OLD.rq, ideal_ns = ideal_ns - OLD.ideal_ns,
        ideal_good_ns = ideal_good_ns - OLD.ideal_good_ns, micro_ms = micro_ms - OLD.micro_ms,
        fe = fe - OLD.fe, cmt = cmt - OLD.cmt, pmt = pmt - OLD.pmt, aoet = aoet - OLD.aoet,
        psq_micro = psq_micro - OLD.psq_micro, energy_wh = energy_wh - OLD.energy_wh,
        scrap_cost_sen = scrap_cost_sen - OLD.scrap_cost_sen,
        order_data = order_data - OLD.order_data, sq_startup = sq_startup - OLD.sq_startup,
        ideal_startup_ns = ideal_startup_ns - OLD.ideal_startup_ns,
        energy_run_wh = energy_run_wh - OLD.energy_run_wh
    WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - OLD.start_ms % 86400000;
    DELETE FROM kpi_rollup_day
    WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - OLD.start_ms % 86400000
      AND n <= 0;
END;

CREATE TRIGGER kpi_rollup_day_change AFTER UPDATE ON kpi_rollup_hour
BEGIN
    UPDATE kpi_rollup_day SET n = n - 1,
        pot = pot - OLD.pot, pdot = pdot - OLD.pdot, pbt = pbt - OLD.pbt, apt = apt - OLD.apt,
        aust = aust - OLD.aust, adet = adet - OLD.adet, adot = adot - OLD.adot,
        unknown = unknown - OLD.unknown, pq = pq - OLD.pq, gq = gq - OLD.gq, sq = sq - OLD.sq,
        rq = rq - OLD.rq, ideal_ns = ideal_ns - OLD.ideal_ns,
        ideal_good_ns = ideal_good_ns - OLD.ideal_good_ns, micro_ms = micro_ms - OLD.micro_ms,
        fe = fe - OLD.fe, cmt = cmt - OLD.cmt, pmt = pmt - OLD.pmt, aoet = aoet - OLD.aoet,
        psq_micro = psq_micro - OLD.psq_micro, energy_wh = energy_wh - OLD.energy_wh,
        scrap_cost_sen = scrap_cost_sen - OLD.scrap_cost_sen,
        order_data = order_data - OLD.order_data, sq_startup = sq_startup - OLD.sq_startup,
        ideal_startup_ns = ideal_startup_ns - OLD.ideal_startup_ns,
        energy_run_wh = energy_run_wh - OLD.energy_run_wh
    WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - OLD.start_ms % 86400000;
    DELETE FROM kpi_rollup_day
    WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - OLD.start_ms % 86400000
      AND n <= 0;
    INSERT INTO kpi_rollup_day (
    machine_id, day_ms, n, pot, pdot, pbt, apt, aust, adet, adot, unknown, pq, gq, sq, rq,
    ideal_ns, ideal_good_ns, micro_ms, fe, cmt, pmt, aoet, psq_micro, energy_wh,
    scrap_cost_sen, order_data, sq_startup, ideal_startup_ns, energy_run_wh
)
    VALUES (NEW.machine_id, NEW.start_ms - NEW.start_ms % 86400000, 1,
            NEW.pot, NEW.pdot, NEW.pbt, NEW.apt, NEW.aust, NEW.adet, NEW.adot, NEW.unknown,
            NEW.pq, NEW.gq, NEW.sq, NEW.rq, NEW.ideal_ns, NEW.ideal_good_ns, NEW.micro_ms,
            NEW.fe, NEW.cmt, NEW.pmt, NEW.aoet, NEW.psq_micro, NEW.energy_wh,
            NEW.scrap_cost_sen, NEW.order_data, NEW.sq_startup, NEW.ideal_startup_ns,
            NEW.energy_run_wh)
    ON CONFLICT (machine_id, day_ms) DO UPDATE SET n = n + 1,
        pot = pot + excluded.pot, pdot = pdot + excluded.pdot, pbt = pbt + excluded.pbt,
        apt = apt + excluded.apt, aust = aust + excluded.aust, adet = adet + excluded.adet,
        adot = adot + excluded.adot, unknown = unknown + excluded.unknown,
        pq = pq + excluded.pq, gq = gq + excluded.gq, sq = sq + excluded.sq,
        rq = rq + excluded.rq, ideal_ns = ideal_ns + excluded.ideal_ns,
        ideal_good_ns = ideal_good_ns + excluded.ideal_good_ns,
        micro_ms = micro_ms + excluded.micro_ms, fe = fe + excluded.fe,
        cmt = cmt + excluded.cmt, pmt = pmt + excluded.pmt, aoet = aoet + excluded.aoet,
        psq_micro = psq_micro + excluded.psq_micro, energy_wh = energy_wh + excluded.energy_wh,
        scrap_cost_sen = scrap_cost_sen + excluded.scrap_cost_sen,
        order_data = order_data + excluded.order_data,
        sq_startup = sq_startup + excluded.sq_startup,
        ideal_startup_ns = ideal_startup_ns + excluded.ideal_startup_ns,
        energy_run_wh = energy_run_wh + excluded.energy_run_wh;
END;

-- A year's downtime by reason sums the daily rows per (machine, state, reason): in this
-- order SQLite streams the groups instead of sorting ~300,000 rows (160 -> 50 ms).
CREATE INDEX kpi_rollup_downtime_day_key
    ON kpi_rollup_downtime_day (machine_id, state, reason, day_ms, ms);
