-- pabrik PostgreSQL schema, version 9 (the port of SQLite 0008): where an imported programme
-- result came from, and the programme admin role (issue 11).
-- imported_by already names who imported it; source_file names the spreadsheet. Rows imported
-- before this version keep an empty file name.
ALTER TABLE programme_results ADD COLUMN source_file text NOT NULL DEFAULT '';

-- The programme admin (imports results) is split from the programme analyst (only views).
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN
    ('company_admin', 'engineer', 'operator', 'assessor', 'programme_admin', 'analyst',
     'system_admin'));
