//! Schema migrations and the checks `Cache::open` runs before trusting a file.

use rusqlite::{Connection, TransactionBehavior};

/// `PRAGMA application_id` of a Watchdesk cache ("WDK1").
pub const APPLICATION_ID: i64 = 0x5744_4B31;

/// Migrations in order; migration `i` brings the file to `user_version = i + 1`.
/// Never edit a released entry: append a new one.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- One cached range query: (source, resolved PromQL, step).
CREATE TABLE query (
    id             INTEGER PRIMARY KEY,
    source         TEXT NOT NULL,
    expr           TEXT NOT NULL,
    step_ms        INTEGER NOT NULL,
    fetched_from   INTEGER NOT NULL,
    fetched_until  INTEGER NOT NULL,
    last_ingest_at INTEGER NOT NULL,
    UNIQUE (source, expr, step_ms)
);

-- One series of a query; labels are the canonical JSON of the sorted label map.
CREATE TABLE series (
    id       INTEGER PRIMARY KEY,
    query_id INTEGER NOT NULL REFERENCES query(id) ON DELETE CASCADE,
    labels   TEXT NOT NULL,
    UNIQUE (query_id, labels)
);

-- Up to 120 samples of a series, codec in chunk.rs. Chunks of a series never overlap in time.
CREATE TABLE chunk (
    id        INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    start_ms  INTEGER NOT NULL,
    end_ms    INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    data      BLOB NOT NULL
);
CREATE INDEX chunk_series_start ON chunk (series_id, start_ms);

-- Current alerts per source. JSON columns hold arrays or sorted maps.
CREATE TABLE alert (
    source        TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    alertname     TEXT NOT NULL,
    severity      TEXT NOT NULL,
    state         TEXT NOT NULL,
    silenced_by   TEXT NOT NULL,
    inhibited_by  TEXT NOT NULL,
    labels        TEXT NOT NULL,
    annotations   TEXT NOT NULL,
    starts_at     INTEGER NOT NULL,
    updated_at    INTEGER,
    ends_at       INTEGER,
    generator_url TEXT,
    receivers     TEXT NOT NULL,
    reported_by   TEXT NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    PRIMARY KEY (source, fingerprint)
);

CREATE TABLE alert_event (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    alertname   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX alert_event_at ON alert_event (at);
CREATE INDEX alert_event_alert ON alert_event (source, fingerprint, at);

CREATE TABLE target (
    source                 TEXT NOT NULL,
    pos                    INTEGER NOT NULL,
    labels                 TEXT NOT NULL,
    scrape_pool            TEXT NOT NULL,
    scrape_url             TEXT NOT NULL,
    health                 TEXT NOT NULL,
    last_error             TEXT NOT NULL,
    last_scrape            INTEGER,
    last_scrape_duration_s REAL NOT NULL,
    updated_at             INTEGER NOT NULL,
    PRIMARY KEY (source, pos)
);

CREATE TABLE rule (
    source      TEXT NOT NULL,
    pos         INTEGER NOT NULL,
    grp         TEXT NOT NULL,
    file        TEXT NOT NULL,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,
    duration_s  REAL NOT NULL,
    labels      TEXT NOT NULL,
    annotations TEXT NOT NULL,
    state       TEXT NOT NULL,
    health      TEXT NOT NULL,
    last_error  TEXT,
    PRIMARY KEY (source, pos)
);

CREATE TABLE health (
    source               TEXT NOT NULL,
    component            TEXT NOT NULL,
    last_success         INTEGER,
    last_attempt         INTEGER NOT NULL,
    last_error           TEXT,
    last_error_at        INTEGER,
    latency_ms           INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    unreachable          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, component)
);
"#,
    r#"
-- Silences of each source as Alertmanager last reported them (snapshot, replaced per source).
CREATE TABLE silence (
    source     TEXT NOT NULL,
    id         TEXT NOT NULL,
    state      TEXT NOT NULL,
    matchers   TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    updated_at INTEGER,
    created_by TEXT NOT NULL,
    comment    TEXT NOT NULL,
    PRIMARY KEY (source, id)
);

-- Acknowledgements (create a silence) and un-acknowledgements (expire one) not yet accepted by an
-- Alertmanager: kept until one is, so nothing an operator did is lost while it is unreachable.
CREATE TABLE pending_ack (
    id         INTEGER PRIMARY KEY,
    source     TEXT NOT NULL,
    action     TEXT NOT NULL,
    silence_id TEXT,
    matchers   TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    comment    TEXT NOT NULL,
    queued_at  INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
"#,
    r#"
-- Alerts that resolved while nobody had acknowledged them: listed as "resolved, not acknowledged"
-- until an operator acknowledges them (the row goes; the alert_event history keeps who and when).
CREATE TABLE resolved_alert (
    source      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    alertname   TEXT NOT NULL,
    severity    TEXT NOT NULL,
    labels      TEXT NOT NULL,
    annotations TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    resolved_at INTEGER NOT NULL,
    reported_by TEXT NOT NULL,
    PRIMARY KEY (source, fingerprint)
);
"#,
    r#"
-- Downsampled tiers next to the raw chunks: per series and resolution, blocks of up to 120 buckets
-- (first, last, min, max, sum, count per bucket; codec in tier.rs), aligned to 120 × res_ms.
-- A rowid table: blocks are often larger than a WITHOUT ROWID row can hold in its page.
CREATE TABLE rollup (
    id        INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    res_ms    INTEGER NOT NULL,
    start_ms  INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    data      BLOB NOT NULL,
    UNIQUE (series_id, res_ms, start_ms)
);

-- The windows of a query that were asked of Prometheus, merged. A hole between them is fetched back
-- (oldest first); a covered span without samples is a gap Prometheus itself has.
CREATE TABLE coverage (
    query_id INTEGER NOT NULL REFERENCES query(id) ON DELETE CASCADE,
    from_ms  INTEGER NOT NULL,
    to_ms    INTEGER NOT NULL,
    PRIMARY KEY (query_id, from_ms)
) WITHOUT ROWID;
INSERT INTO coverage (query_id, from_ms, to_ms) SELECT id, fetched_from, fetched_until FROM query;
"#,
    r#"
-- The desk's own state, until now JSON strings in the key/value table `meta` (renamed legacy_meta;
-- the migration's data step in state.rs moves every known key out of it).
ALTER TABLE meta RENAME TO legacy_meta;

-- Alerts that were notified: a notification is recorded here before it is shown, so no restart and
-- no upgrade shows it again; the row goes when the alert does ("resolved" is notified from it).
CREATE TABLE notify_mark (
    source      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    notified_at INTEGER NOT NULL,
    alertname   TEXT NOT NULL,
    instance    TEXT NOT NULL,
    severity    TEXT NOT NULL,
    PRIMARY KEY (source, fingerprint)
);

-- One row: the running alert storm's window and the notification mute.
CREATE TABLE desk_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    storm_until INTEGER,
    muted_until INTEGER
);

-- The monitoring pipeline's notified states: a source unreachable for long (component = its health
-- component), the Watchdog heartbeat last seen, "pipeline broken" notified.
CREATE TABLE pipeline_flag (
    source    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    component TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (source, kind, component)
);

-- One row: the view the app showed last.
CREATE TABLE saved_view (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    view        TEXT NOT NULL,
    dashboard   TEXT NOT NULL,
    source      TEXT,
    fingerprint TEXT,
    time_from   TEXT NOT NULL,
    time_to     TEXT NOT NULL,
    refresh_ms  INTEGER
);

-- The template variable values an operator chose, per site and dashboard, in order.
CREATE TABLE var_selection (
    source    TEXT NOT NULL,
    dashboard TEXT NOT NULL,
    name      TEXT NOT NULL,
    pos       INTEGER NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (source, dashboard, name, pos)
);

-- The query plan the poller last fetched for a dashboard on a site (drawing uses the same
-- expressions, offline too). A plan without queries still has its dashboard_plan row.
CREATE TABLE dashboard_plan (
    source     TEXT NOT NULL,
    dashboard  TEXT NOT NULL,
    planned_at INTEGER NOT NULL,
    PRIMARY KEY (source, dashboard)
);
CREATE TABLE query_plan (
    source    TEXT NOT NULL,
    dashboard TEXT NOT NULL,
    pos       INTEGER NOT NULL,
    panel_id  INTEGER NOT NULL,
    ref_id    TEXT NOT NULL,
    expr      TEXT NOT NULL,
    legend    TEXT NOT NULL,
    step_ms   INTEGER NOT NULL,
    PRIMARY KEY (source, dashboard, pos),
    FOREIGN KEY (source, dashboard) REFERENCES dashboard_plan (source, dashboard) ON DELETE CASCADE
);

-- When each source's alerts were last synced: a longer gap is rebuilt from Prometheus' ALERTS.
CREATE TABLE alert_sync (
    source    TEXT PRIMARY KEY NOT NULL,
    synced_at INTEGER NOT NULL
);
"#,
    r#"
-- Variables as the poller last resolved them against the site (query variables' options), so the
-- app's variable bar shows real options and a current value offline too.
CREATE TABLE resolved_var (
    source    TEXT NOT NULL,
    dashboard TEXT NOT NULL,
    name      TEXT NOT NULL,
    pos       INTEGER NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (source, dashboard, name, pos)
);

-- Rows an operator collapsed or expanded in the app (else the dashboard's own setting).
CREATE TABLE row_state (
    dashboard TEXT NOT NULL,
    row_key   TEXT NOT NULL,
    collapsed INTEGER NOT NULL,
    PRIMARY KEY (dashboard, row_key)
);
"#,
    r#"
-- Log streams seen in a site's Loki: labels are the canonical JSON of the sorted label map.
CREATE TABLE log_stream (
    id     INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    labels TEXT NOT NULL,
    UNIQUE (source, labels)
);

-- Log lines, one row per (stream, timestamp, line): the same line fetched twice is stored once.
CREATE TABLE log_line (
    stream_id  INTEGER NOT NULL REFERENCES log_stream(id) ON DELETE CASCADE,
    ts_ns      INTEGER NOT NULL,
    line       TEXT NOT NULL,
    truncated  INTEGER NOT NULL,
    PRIMARY KEY (stream_id, ts_ns, line)
) WITHOUT ROWID;
CREATE INDEX log_line_ts ON log_line (ts_ns);

-- When each site's Loki last answered a log query.
CREATE TABLE log_fetch (
    source     TEXT PRIMARY KEY NOT NULL,
    fetched_at INTEGER NOT NULL
);
"#,
    r#"
-- The index on time alone held every line's text a second time (the key of a WITHOUT ROWID table
-- is in each of its indexes): lines are read and dropped along (stream, time) instead.
DROP INDEX IF EXISTS log_line_ts;
"#,
    r#"
-- Log lines compressed in blocks (codec in logblock.rs): consecutive lines of one stream, sorted by
-- (timestamp, line) without duplicates; the blocks of a stream never overlap in time but may share
-- a timestamp at their boundary. `bytes` is the line text the block holds, for the size cap. The
-- data step moves every row of log_line into blocks, then drops log_line.
CREATE TABLE log_block (
    id        INTEGER PRIMARY KEY,
    stream_id INTEGER NOT NULL REFERENCES log_stream(id) ON DELETE CASCADE,
    start_ns  INTEGER NOT NULL,
    end_ns    INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    bytes     INTEGER NOT NULL,
    data      BLOB NOT NULL
);
CREATE INDEX log_block_stream_end ON log_block (stream_id, end_ns);
CREATE INDEX log_block_end ON log_block (end_ns);
"#,
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Connection settings applied on every open. WAL may be refused on a read-only file: that is fine.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if !conn.is_readonly(rusqlite::DatabaseName::Main)? {
        // A new file gives pages freed by retention back to the file system
        // (`Cache::enforce_retention` runs `incremental_vacuum`); it must be set before any table.
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables == 0 {
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        }
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    }
    Ok(())
}

/// What `inspect` found in a file before migrating it.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Ours (or empty), at `version` <= the latest.
    Usable { version: i64 },
    /// Made by a newer build.
    Newer { version: i64 },
    /// Damaged or not a Watchdesk cache; the reason is for the operator.
    Bad { reason: String },
}

/// Tables too big to scan at every open: a cell of the wrong type there is found when it is read
/// (a damaged chunk is skipped and fetched again, a damaged tier or log block is skipped, a log line
/// of an older cache of the wrong type is left out when migration 9 moves the lines into blocks).
const SCANNED_ON_READ: &[&str] = &["chunk", "rollup", "log_block", "log_line"];

/// What a schema is made of: its tables, indexes, views and triggers by name, and the columns of
/// each table as `pragma table_info` lists them (name, type, not null, default, primary key).
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    objects: std::collections::BTreeSet<(String, String)>,
    columns: std::collections::BTreeMap<String, Vec<Column>>,
}

type Column = (String, String, bool, Option<String>, i64);

fn shape(conn: &Connection) -> rusqlite::Result<Shape> {
    let mut objects = std::collections::BTreeSet::new();
    let mut st = conn.prepare(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )?;
    for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        objects.insert(row?);
    }
    let mut columns = std::collections::BTreeMap::new();
    let mut info = conn.prepare(
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
    )?;
    for (kind, name) in &objects {
        if kind != "table" {
            continue;
        }
        let cols = info
            .query_map([name], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        columns.insert(name.clone(), cols);
    }
    Ok(Shape { objects, columns })
}

/// The shape the migrations up to `version` create, from a fresh database in memory.
fn expected_shape(version: i64) -> rusqlite::Result<Shape> {
    let mut conn = Connection::open_in_memory()?;
    let upto = usize::try_from(version).unwrap_or(0).min(MIGRATIONS.len());
    migrate_with(&mut conn, 0, MIGRATIONS.get(..upto).unwrap_or_default())?;
    shape(&conn)
}

/// How `found` differs from `want`, for the operator; `None` when they are the same.
fn shape_difference(found: &Shape, want: &Shape) -> Option<String> {
    if found == want {
        return None;
    }
    let name = |(kind, name): &(String, String)| format!("{kind} {name}");
    let missing: Vec<String> = want.objects.difference(&found.objects).map(name).collect();
    let extra: Vec<String> = found.objects.difference(&want.objects).map(name).collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("{} missing", missing.join(", ")));
    }
    if !extra.is_empty() {
        parts.push(format!("{} not expected", extra.join(", ")));
    }
    let changed: Vec<&str> = want
        .columns
        .iter()
        .filter(|(t, cols)| found.columns.get(*t).is_some_and(|f| f != *cols))
        .map(|(t, _)| t.as_str())
        .collect();
    if !changed.is_empty() {
        parts.push(format!("other columns in table {}", changed.join(", ")));
    }
    Some(parts.join("; "))
}

/// The first cell whose type its column does not allow (text in an INTEGER column...), in the
/// tables small enough to scan at open (all but [`SCANNED_ON_READ`]).
fn wrong_type(conn: &Connection, want: &Shape) -> rusqlite::Result<Option<String>> {
    for (table, cols) in &want.columns {
        if SCANNED_ON_READ.contains(&table.as_str()) {
            continue;
        }
        let checks: Vec<(String, String)> = cols
            .iter()
            .filter_map(|(col, ty, ..)| {
                let allowed = match ty.to_ascii_uppercase().as_str() {
                    "INTEGER" => "'integer', 'null'",
                    "REAL" => "'real', 'integer', 'null'",
                    "TEXT" => "'text', 'null'",
                    "BLOB" => "'blob', 'null'",
                    _ => return None,
                };
                let quoted = format!("\"{}\"", col.replace('"', "\"\""));
                Some((format!("typeof({quoted}) NOT IN ({allowed})"), col.clone()))
            })
            .collect();
        if checks.is_empty() {
            continue;
        }
        let case: Vec<String> = checks
            .iter()
            .map(|(cond, col)| format!("WHEN {cond} THEN '{}'", col.replace('\'', "''")))
            .collect();
        let any: Vec<&str> = checks.iter().map(|(cond, _)| cond.as_str()).collect();
        let sql = format!(
            "SELECT CASE {} END FROM \"{}\" WHERE {} LIMIT 1",
            case.join(" "),
            table.replace('"', "\"\""),
            any.join(" OR ")
        );
        let found: Option<String> =
            conn.query_row(&sql, [], |r| r.get(0))
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })?;
        if let Some(col) = found {
            return Ok(Some(format!(
                "table {table}, column {col} holds a value of the wrong type"
            )));
        }
    }
    Ok(None)
}

/// Looks at an opened file. Errors are only the "cannot look" kind (busy, I/O); a damaged file is a
/// `Verdict::Bad`: not a database, failing SQLite's quick check, a foreign application id, a
/// negative version, tables and columns other than the migrations up to its version create, or a
/// value of the wrong type in one of the smaller tables.
pub fn inspect(conn: &Connection) -> rusqlite::Result<Verdict> {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    let damaged =
        |e: &rusqlite::Error| matches!(e.sqlite_error_code(), Some(NotADatabase | DatabaseCorrupt));
    let check: rusqlite::Result<String> = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0));
    match check {
        Ok(s) if s == "ok" => {}
        Ok(s) => {
            return Ok(Verdict::Bad {
                reason: format!("integrity check failed: {s}"),
            })
        }
        Err(e) if damaged(&e) => {
            return Ok(Verdict::Bad {
                reason: e.to_string(),
            })
        }
        Err(e) => return Err(e),
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if app_id != 0 && app_id != APPLICATION_ID {
        return Ok(Verdict::Bad {
            reason: format!("not a Watchdesk cache (application id {app_id:#x})"),
        });
    }
    if version > latest_version() {
        return Ok(Verdict::Newer { version });
    }
    if version < 0 {
        return Ok(Verdict::Bad {
            reason: format!("its schema version {version} is negative"),
        });
    }
    if version == 0 {
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 {
            return Ok(Verdict::Bad {
                reason: "not a Watchdesk cache (it has tables but no schema version)".into(),
            });
        }
        return Ok(Verdict::Usable { version });
    }
    let want = expected_shape(version)?;
    let found = match shape(conn) {
        Ok(f) => f,
        Err(e) if damaged(&e) => {
            return Ok(Verdict::Bad {
                reason: e.to_string(),
            })
        }
        Err(e) => return Err(e),
    };
    if let Some(diff) = shape_difference(&found, &want) {
        return Ok(Verdict::Bad {
            reason: format!(
                "its tables are not those of its schema version {version} ({diff}); it was damaged \
                 or edited"
            ),
        });
    }
    match wrong_type(conn, &want) {
        Ok(None) => {}
        Ok(Some(what)) => return Ok(Verdict::Bad { reason: what }),
        Err(e) if damaged(&e) => {
            return Ok(Verdict::Bad {
                reason: e.to_string(),
            })
        }
        Err(e) => return Err(e),
    }
    Ok(Verdict::Usable { version })
}

/// Whether a failed migration means the file is unusable (move it aside) rather than a passing
/// condition (busy, disk full, read-only, I/O): such a failure would repeat at every start.
pub fn migration_failure_is_bad(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::*;
    !matches!(
        e.sqlite_error_code(),
        Some(
            DatabaseBusy
                | DatabaseLocked
                | DiskFull
                | ReadOnly
                | CannotOpen
                | SystemIoFailure
                | OutOfMemory
                | PermissionDenied
                | OperationInterrupted
        )
    )
}

/// Applies the migrations after `from`, each in its own transaction with its version bump.
pub fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    migrate_with(conn, from, MIGRATIONS)
}

/// [`migrate`] with a given list (migration `i` brings the file to version `i + 1`).
fn migrate_with(conn: &mut Connection, from: i64, migrations: &[&str]) -> rusqlite::Result<()> {
    for (i, sql) in migrations.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= from {
            continue;
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        data_step(&tx, version)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// What a migration does besides its SQL, in the same transaction.
fn data_step(tx: &rusqlite::Transaction<'_>, version: i64) -> rusqlite::Result<()> {
    if version == 5 {
        let (moved, kept) = super::state::move_meta(tx)?;
        if moved + kept > 0 {
            tracing::info!(
                moved,
                kept,
                "cache upgrade: settings moved into their own tables"
            );
        }
        if kept > 0 {
            tracing::warn!(
                kept,
                "cache upgrade: some old settings were not recognised; they are kept in legacy_meta"
            );
        }
    }
    if version == 9 {
        let (lines, blocks, skipped) = super::logs::move_lines_into_blocks(tx)?;
        if lines > 0 {
            tracing::info!(
                lines,
                blocks,
                "cache upgrade: log lines compressed into blocks"
            );
        }
        if skipped > 0 {
            tracing::warn!(
                skipped,
                "cache upgrade: some cached log lines had values of the wrong type and were left out"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_migrates_to_latest_and_is_usable() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        assert_eq!(inspect(&conn).ok(), Some(Verdict::Usable { version: 0 }));
        migrate(&mut conn, 0).expect("migrate");
        assert_eq!(
            inspect(&conn).ok(),
            Some(Verdict::Usable {
                version: latest_version()
            })
        );
        // Running again is a no-op.
        migrate(&mut conn, latest_version()).expect("migrate again");
    }

    #[test]
    fn foreign_and_newer_files_are_recognised() {
        let conn = Connection::open_in_memory().expect("memory db");
        conn.execute_batch("CREATE TABLE t(x)").expect("create");
        assert!(matches!(inspect(&conn), Ok(Verdict::Bad { .. })));
        let conn = Connection::open_in_memory().expect("memory db");
        conn.pragma_update(None, "user_version", latest_version() + 3)
            .expect("pragma");
        assert_eq!(
            inspect(&conn).ok(),
            Some(Verdict::Newer {
                version: latest_version() + 3
            })
        );
        let conn = Connection::open_in_memory().expect("memory db");
        conn.pragma_update(None, "application_id", 1234)
            .expect("pragma");
        assert!(matches!(inspect(&conn), Ok(Verdict::Bad { .. })));
    }
}
