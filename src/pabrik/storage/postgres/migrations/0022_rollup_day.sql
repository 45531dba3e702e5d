-- The hourly KPI rollups summed per machine and UTC day (issue 16), as SQLite's 0022: a year's
-- plant query reads ~365 day rows per machine instead of ~8,760 hours. A trigger keeps it
-- equal to the hourly rows whoever writes, re-saves or purges them; n counts the hours in a
-- day row, which goes when its last hour does; order_data holds the sum of the hours' 0/1
-- flags (every hour had order data when it equals n).
CREATE TABLE kpi_rollup_day (
    machine_id text NOT NULL,
    day_ms bigint NOT NULL,
    n bigint NOT NULL,
    pot bigint NOT NULL, pdot bigint NOT NULL, pbt bigint NOT NULL, apt bigint NOT NULL,
    aust bigint NOT NULL, adet bigint NOT NULL, adot bigint NOT NULL, unknown bigint NOT NULL,
    pq bigint NOT NULL, gq bigint NOT NULL, sq bigint NOT NULL, rq bigint NOT NULL,
    ideal_ns bigint NOT NULL, ideal_good_ns bigint NOT NULL, micro_ms bigint NOT NULL,
    fe bigint NOT NULL, cmt bigint NOT NULL, pmt bigint NOT NULL, aoet bigint NOT NULL,
    psq_micro bigint NOT NULL, energy_wh bigint NOT NULL, scrap_cost_sen bigint NOT NULL,
    order_data bigint NOT NULL, sq_startup bigint NOT NULL, ideal_startup_ns bigint NOT NULL,
    energy_run_wh bigint NOT NULL,
    PRIMARY KEY (machine_id, day_ms)
);

INSERT INTO kpi_rollup_day (
    machine_id, day_ms, n, pot, pdot, pbt, apt, aust, adet, adot, unknown, pq, gq, sq, rq,
    ideal_ns, ideal_good_ns, micro_ms, fe, cmt, pmt, aoet, psq_micro, energy_wh,
    scrap_cost_sen, order_data, sq_startup, ideal_startup_ns, energy_run_wh
)
SELECT machine_id, start_ms - mod(start_ms, 86400000), count(*),
       sum(pot), sum(pdot), sum(pbt), sum(apt), sum(aust), sum(adet), sum(adot), sum(unknown),
       sum(pq), sum(gq), sum(sq), sum(rq), sum(ideal_ns), sum(ideal_good_ns), sum(micro_ms),
       sum(fe), sum(cmt), sum(pmt), sum(aoet), sum(psq_micro), sum(energy_wh),
       sum(scrap_cost_sen), sum(order_data), sum(sq_startup), sum(ideal_startup_ns),
       sum(energy_run_wh)
FROM kpi_rollup_hour GROUP BY 1, 2;

CREATE FUNCTION kpi_rollup_day_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE kpi_rollup_day SET n = n - 1,
            pot = pot - OLD.pot, pdot = pdot - OLD.pdot, pbt = pbt - OLD.pbt,
            apt = apt - OLD.apt, aust = aust - OLD.aust, adet = adet - OLD.adet,
            adot = adot - OLD.adot, unknown = unknown - OLD.unknown, pq = pq - OLD.pq,
            gq = gq - OLD.gq, sq = sq - OLD.sq, rq = rq - OLD.rq,
            ideal_ns = ideal_ns - OLD.ideal_ns,
            ideal_good_ns = ideal_good_ns - OLD.ideal_good_ns,
            micro_ms = micro_ms - OLD.micro_ms, fe = fe - OLD.fe, cmt = cmt - OLD.cmt,
            pmt = pmt - OLD.pmt, aoet = aoet - OLD.aoet, psq_micro = psq_micro - OLD.psq_micro,
            energy_wh = energy_wh - OLD.energy_wh,
            scrap_cost_sen = scrap_cost_sen - OLD.scrap_cost_sen,
            order_data = order_data - OLD.order_data, sq_startup = sq_startup - OLD.sq_startup,
            ideal_startup_ns = ideal_startup_ns - OLD.ideal_startup_ns,
            energy_run_wh = energy_run_wh - OLD.energy_run_wh
        WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - mod(OLD.start_ms, 86400000);
        DELETE FROM kpi_rollup_day
        WHERE machine_id = OLD.machine_id AND day_ms = OLD.start_ms - mod(OLD.start_ms, 86400000)
          AND n <= 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO kpi_rollup_day AS d (
            machine_id, day_ms, n, pot, pdot, pbt, apt, aust, adet, adot, unknown, pq, gq, sq,
            rq, ideal_ns, ideal_good_ns, micro_ms, fe, cmt, pmt, aoet, psq_micro, energy_wh,
            scrap_cost_sen, order_data, sq_startup, ideal_startup_ns, energy_run_wh
        )
        VALUES (NEW.machine_id, NEW.start_ms - mod(NEW.start_ms, 86400000), 1,
                NEW.pot, NEW.pdot, NEW.pbt, NEW.apt, NEW.aust, NEW.adet, NEW.adot, NEW.unknown,
                NEW.pq, NEW.gq, NEW.sq, NEW.rq, NEW.ideal_ns, NEW.ideal_good_ns, NEW.micro_ms,
                NEW.fe, NEW.cmt, NEW.pmt, NEW.aoet, NEW.psq_micro, NEW.energy_wh,
                NEW.scrap_cost_sen, NEW.order_data, NEW.sq_startup, NEW.ideal_startup_ns,
                NEW.energy_run_wh)
        ON CONFLICT (machine_id, day_ms) DO UPDATE SET n = d.n + 1,
            pot = d.pot + excluded.pot, pdot = d.pdot + excluded.pdot,
            pbt = d.pbt + excluded.pbt, apt = d.apt + excluded.apt,
            aust = d.aust + excluded.aust, adet = d.adet + excluded.adet,
            adot = d.adot + excluded.adot, unknown = d.unknown + excluded.unknown,
            pq = d.pq + excluded.pq, gq = d.gq + excluded.gq, sq = d.sq + excluded.sq,
            rq = d.rq + excluded.rq, ideal_ns = d.ideal_ns + excluded.ideal_ns,
            ideal_good_ns = d.ideal_good_ns + excluded.ideal_good_ns,
            micro_ms = d.micro_ms + excluded.micro_ms, fe = d.fe + excluded.fe,
            cmt = d.cmt + excluded.cmt, pmt = d.pmt + excluded.pmt,
            aoet = d.aoet + excluded.aoet, psq_micro = d.psq_micro + excluded.psq_micro,
            energy_wh = d.energy_wh + excluded.energy_wh,
            scrap_cost_sen = d.scrap_cost_sen + excluded.scrap_cost_sen,
            order_data = d.order_data + excluded.order_data,
            sq_startup = d.sq_startup + excluded.sq_startup,
            ideal_startup_ns = d.ideal_startup_ns + excluded.ideal_startup_ns,
            energy_run_wh = d.energy_run_wh + excluded.energy_run_wh;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER kpi_rollup_day_sync
AFTER INSERT OR UPDATE OR DELETE ON kpi_rollup_hour
FOR EACH ROW EXECUTE FUNCTION kpi_rollup_day_sync();
