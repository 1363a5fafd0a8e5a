//! The local SQLite history cache: metric history (compressed chunks), alerts and their event history,
//! targets, rules and source health.
//!
//! Every dashboard and the alert list read from here, so they open instantly and keep working when the
//! network or the monitoring servers are down. Reads never touch the network. Writes are one
//! transaction each (WAL journal), so a crash, a kill or a full disk loses at most the write in flight.
//! A damaged file, or one written by a newer build, is moved aside (never deleted) and a fresh cache is
//! started; [`OpenNote`] says where the old file went.

pub mod acks;
pub mod alerts;
pub mod chunk;
mod damage;
pub mod dashboard_state;
pub mod health;
pub mod logblock;
pub mod logs;
pub mod retention;
pub mod schema;
pub mod series;
pub mod state;
pub mod tier;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use alerts::{AlertChanges, AlertEvent, CachedAlert, ReportedAlert};
pub use dashboard_state::PlannedQuery;
pub use health::SourceHealth;
pub use retention::{PruneStats, Retention};
pub use series::{CachedQuery, CachedSeries, IngestStats, Resolution};
pub use state::{NotifyMark, PipelineFlag, SavedView};

/// The history cache. One SQLite connection behind a mutex: cheap to share (`Arc<Cache>`) between the
/// poller and the UI.
pub struct Cache {
    conn: Mutex<Connection>,
    /// A second, read-only connection to the same file, so the UI reads while the poller writes
    /// (WAL readers never wait for the writer). `None` in memory or when it could not be opened.
    reader: Option<Mutex<Connection>>,
    path: Option<PathBuf>,
    read_only: bool,
}

/// Why a cache operation failed. Data already in the cache is never lost by a failed write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    #[error("cannot open the history cache {path}: {reason}. Check that the folder exists and is writable, or set another cache path in the config")]
    Open { path: PathBuf, reason: String },
    #[error("cannot write {path}: the file or its folder is read-only. Watchdesk keeps showing what is cached; make the file writable or set another cache path")]
    ReadOnly { path: PathBuf },
    #[error("disk full while writing {path}: free some space; data already cached is kept")]
    DiskFull { path: PathBuf },
    #[error("the history cache {path} is locked by another program (a second Watchdesk?). Close it; the operation is retried on the next update")]
    Busy { path: PathBuf },
    #[error("the history cache {path} is damaged ({reason}). Restart Watchdesk: it moves a damaged file aside and starts a fresh cache")]
    Corrupt { path: PathBuf, reason: String },
    #[error("the history cache {path} is damaged or not a Watchdesk cache ({reason}) and cannot be moved aside: {move_error}. Move or delete the file yourself, or set another cache path")]
    CannotMoveAside {
        path: PathBuf,
        reason: String,
        move_error: String,
    },
    #[error("the history cache {path} has schema version {version}, this build uses {latest}: it is upgraded the next time Watchdesk opens it with write access")]
    Outdated {
        path: PathBuf,
        version: i64,
        latest: i64,
    },
    #[error("history cache: {op} failed: {reason}. If this repeats, restart Watchdesk and report the log")]
    Sqlite { op: &'static str, reason: String },
}

/// A file found at open time that could not be used: it was renamed, not deleted, so the operator can
/// send it to us. Show `reason` and `moved_aside` to the operator once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenNote {
    pub moved_aside: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for OpenNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the history cache could not be used ({}); it was moved to {} and a fresh cache was started",
            self.reason,
            self.moved_aside.display()
        )
    }
}

/// Sizes of the cache, for a status line or `watchdesk cache stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    pub queries: u64,
    pub series: u64,
    pub chunks: u64,
    pub samples: u64,
    /// Bytes of encoded sample data (without SQLite overhead).
    pub chunk_bytes: u64,
    /// Database file plus its WAL, in bytes.
    pub file_bytes: u64,
    pub alerts: u64,
    pub alert_events: u64,
}

const MEMORY_PATH: &str = ":memory:";

/// Maps a SQLite error to what the operator can act on. A value of the wrong type in the file (text
/// in an INTEGER column: a damaged or edited file) is [`CacheError::Corrupt`]: `Cache::open` finds
/// it and moves the file aside.
fn map_sqlite(e: rusqlite::Error, op: &'static str, path: &Path) -> CacheError {
    let path = path.to_path_buf();
    if matches!(
        e,
        rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
    ) {
        return CacheError::Corrupt {
            path,
            reason: format!("{op}: a value of the wrong type ({e})"),
        };
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => CacheError::DiskFull { path },
        Some(ErrorCode::ReadOnly) => CacheError::ReadOnly { path },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => CacheError::Busy { path },
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => CacheError::Corrupt {
            path,
            reason: e.to_string(),
        },
        _ => CacheError::Sqlite {
            op,
            reason: e.to_string(),
        },
    }
}

fn is_damaged(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

fn unix_secs() -> i64 {
    crate::time::now_ms() / 1000
}

/// Renames `path` (and its `-wal`/`-shm`) to `<name>.<tag>-<unix-time>`, never over an existing file.
fn move_aside(path: &Path, tag: &str) -> std::io::Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "cache".into());
    let base = format!("{name}.{tag}-{}", unix_secs());
    let mut dest = path.with_file_name(&base);
    let mut k = 2;
    while dest.exists() {
        dest = path.with_file_name(format!("{base}-{k}"));
        k += 1;
    }
    std::fs::rename(path, &dest)?;
    for suffix in ["-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(suffix);
        let from = PathBuf::from(from);
        if from.exists() {
            let mut to = dest.as_os_str().to_owned();
            to.push(suffix);
            if let Err(e) = std::fs::rename(&from, PathBuf::from(to)) {
                tracing::warn!(file = %from.display(), error = %e, "could not move the cache's companion file aside");
            }
        }
    }
    Ok(dest)
}

/// Refuses a cache path (or its `-wal`/`-shm` companion) that exists but is not a regular file: a
/// FIFO would hang SQLite's first read forever, a device such as /dev/zero is no database.
fn check_regular(path: &Path) -> Result<(), CacheError> {
    let mut files = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        files.push(PathBuf::from(p));
    }
    for file in files {
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if !meta.is_file() {
            let kind = {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::FileTypeExt;
                    let t = meta.file_type();
                    if t.is_fifo() {
                        "a FIFO (named pipe)"
                    } else if t.is_char_device() || t.is_block_device() {
                        "a device"
                    } else if t.is_socket() {
                        "a socket"
                    } else if t.is_dir() {
                        "a folder"
                    } else {
                        "not a regular file"
                    }
                }
                #[cfg(not(unix))]
                {
                    if meta.is_dir() {
                        "a folder"
                    } else {
                        "not a regular file"
                    }
                }
            };
            return Err(CacheError::Open {
                path: path.to_path_buf(),
                reason: format!(
                    "{} is {kind}, not a regular file; remove it or point the cache at a file",
                    file.display()
                ),
            });
        }
    }
    Ok(())
}

/// `file:` URI for a read-only open (handles spaces, `?`, `#` and Windows drive letters).
fn read_only_uri(path: &Path, immutable: bool) -> Option<String> {
    let abs = std::path::absolute(path).ok()?;
    let url = url::Url::from_file_path(abs).ok()?;
    let extra = if immutable { "&immutable=1" } else { "" };
    Some(format!("{url}?mode=ro{extra}"))
}

enum Attempt {
    Ready(Box<Cache>),
    MoveAside { tag: String, reason: String },
}

impl Cache {
    /// Opens (or creates) the cache at `path`, creating parent folders. A damaged file, a file that is
    /// not a Watchdesk cache, or one from a newer build is moved aside and a fresh cache is created: the
    /// note says so. A read-only file is opened read-only: reads work, writes fail with
    /// [`CacheError::ReadOnly`].
    pub fn open(path: &Path) -> Result<(Cache, Option<OpenNote>), CacheError> {
        check_regular(path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if let Err(e) = std::fs::create_dir_all(parent) {
                if !path.exists() {
                    return Err(CacheError::Open {
                        path: path.to_path_buf(),
                        reason: format!("cannot create the folder {}: {e}", parent.display()),
                    });
                }
            }
        }
        match Self::attempt(path)? {
            Attempt::Ready(cache) => Ok((*cache, None)),
            Attempt::MoveAside { tag, reason } => {
                let moved_aside =
                    move_aside(path, &tag).map_err(|e| CacheError::CannotMoveAside {
                        path: path.to_path_buf(),
                        reason: reason.clone(),
                        move_error: e.to_string(),
                    })?;
                tracing::warn!(path = %path.display(), moved_to = %moved_aside.display(), %reason,
                    "history cache moved aside; starting a fresh one");
                match Self::attempt(path)? {
                    Attempt::Ready(cache) => Ok((
                        *cache,
                        Some(OpenNote {
                            moved_aside,
                            reason,
                        }),
                    )),
                    Attempt::MoveAside { reason, .. } => Err(CacheError::Open {
                        path: path.to_path_buf(),
                        reason: format!("a fresh cache file is unusable too: {reason}"),
                    }),
                }
            }
        }
    }

    /// Opens an existing cache read-only (for inspection, or a second viewer). Writes fail with
    /// [`CacheError::ReadOnly`]. Nothing is moved aside or migrated.
    pub fn open_read_only(path: &Path) -> Result<Cache, CacheError> {
        let open_err = |reason: String| CacheError::Open {
            path: path.to_path_buf(),
            reason,
        };
        if !path.exists() {
            return Err(open_err("the file does not exist".into()));
        }
        check_regular(path)?;
        let mut last = String::from("the path cannot be written as a file: URI");
        let mut outdated = None;
        for immutable in [false, true] {
            let Some(uri) = read_only_uri(path, immutable) else {
                break;
            };
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let tried = Connection::open_with_flags(&uri, flags).and_then(|conn| {
                conn.busy_timeout(std::time::Duration::from_secs(5))?;
                let verdict = schema::inspect(&conn)?;
                Ok((conn, verdict))
            });
            match tried {
                Ok((conn, schema::Verdict::Usable { version })) if version == schema::latest_version() => {
                    return Ok(Cache {
                        conn: Mutex::new(conn),
                        reader: None,
                        path: Some(path.to_path_buf()),
                        read_only: true,
                    })
                }
                Ok((_, schema::Verdict::Usable { version })) => outdated = Some(version),
                Ok((_, schema::Verdict::Newer { version })) => {
                    return Err(open_err(format!(
                        "it was written by a newer Watchdesk (schema version {version}); update Watchdesk"
                    )))
                }
                Ok((_, schema::Verdict::Bad { reason })) => {
                    return Err(CacheError::Corrupt {
                        path: path.to_path_buf(),
                        reason,
                    })
                }
                Err(e) => last = e.to_string(),
            }
        }
        match outdated {
            Some(version) => Err(CacheError::Outdated {
                path: path.to_path_buf(),
                version,
                latest: schema::latest_version(),
            }),
            None => Err(open_err(last)),
        }
    }

    /// A cache that lives in memory only (tests, `--no-cache`).
    pub fn open_in_memory() -> Result<Cache, CacheError> {
        let path = Path::new(MEMORY_PATH);
        let mut conn =
            Connection::open_in_memory().map_err(|e| map_sqlite(e, "open in memory", path))?;
        schema::configure(&conn).map_err(|e| map_sqlite(e, "configure", path))?;
        schema::migrate(&mut conn, 0).map_err(|e| map_sqlite(e, "create the schema", path))?;
        Ok(Cache {
            conn: Mutex::new(conn),
            reader: None,
            path: None,
            read_only: false,
        })
    }

    /// One try at opening `path` read-write (falling back to read-only when the OS refuses writes).
    fn attempt(path: &Path) -> Result<Attempt, CacheError> {
        let open_err = |reason: String| CacheError::Open {
            path: path.to_path_buf(),
            reason,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = match Connection::open_with_flags(path, flags) {
            Ok(c) => c,
            Err(e) if path.exists() => {
                tracing::warn!(path = %path.display(), error = %e, "cannot open the cache for writing; trying read-only");
                return Self::open_read_only(path).map(|c| Attempt::Ready(Box::new(c)));
            }
            Err(e) => return Err(open_err(e.to_string())),
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| open_err(e.to_string()))?;
        let verdict = match schema::inspect(&conn) {
            Ok(v) => v,
            Err(e) if is_damaged(&e) => schema::Verdict::Bad {
                reason: e.to_string(),
            },
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) =>
            {
                return Err(CacheError::Busy {
                    path: path.to_path_buf(),
                })
            }
            Err(e) => {
                // Typically a WAL file that cannot be created next to a read-only file.
                tracing::warn!(path = %path.display(), error = %e, "cannot check the cache; trying read-only");
                drop(conn);
                return Self::open_read_only(path)
                    .map(|c| Attempt::Ready(Box::new(c)))
                    .map_err(|_| open_err(e.to_string()));
            }
        };
        let version = match verdict {
            schema::Verdict::Usable { version } => version,
            schema::Verdict::Newer { version } => {
                return Ok(Attempt::MoveAside {
                    tag: format!("newer-v{version}"),
                    reason: format!(
                        "it was written by a newer Watchdesk (schema version {version}, this build knows {})",
                        schema::latest_version()
                    ),
                })
            }
            schema::Verdict::Bad { reason } => {
                return Ok(Attempt::MoveAside {
                    tag: "corrupt".into(),
                    reason,
                })
            }
        };
        let read_only = conn
            .is_readonly(rusqlite::DatabaseName::Main)
            .unwrap_or(true);
        if read_only {
            drop(conn);
            return Self::open_read_only(path).map(|c| Attempt::Ready(Box::new(c)));
        }
        if let Err(e) = schema::configure(&conn) {
            if is_damaged(&e) {
                return Ok(Attempt::MoveAside {
                    tag: "corrupt".into(),
                    reason: e.to_string(),
                });
            }
            return Err(map_sqlite(e, "prepare the cache file", path));
        }
        if let Err(e) = schema::migrate(&mut conn, version) {
            // A migration that fails on this file fails at every start: the file is unusable.
            if is_damaged(&e) || schema::migration_failure_is_bad(&e) {
                return Ok(Attempt::MoveAside {
                    tag: "corrupt".into(),
                    reason: format!(
                        "upgrading it from schema version {version} to {} failed: {e}",
                        schema::latest_version()
                    ),
                });
            }
            return Err(map_sqlite(e, "prepare the cache file", path));
        }
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|c| {
            c.busy_timeout(std::time::Duration::from_secs(5))?;
            Ok(c)
        })
        .map_err(|e| tracing::warn!(path = %path.display(), error = %e, "no separate reader connection; reads share the writer"))
        .ok();
        Ok(Attempt::Ready(Box::new(Cache {
            conn: Mutex::new(conn),
            reader: reader.map(Mutex::new),
            path: Some(path.to_path_buf()),
            read_only: false,
        })))
    }

    /// The file, or `None` for an in-memory cache.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// True when the file could only be opened read-only: every write fails with
    /// [`CacheError::ReadOnly`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The connection; a panic in another thread does not make the cache unusable (SQLite rolled back
    /// whatever that thread had not committed).
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The connection for reads: the reader when there is one, else the writer.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(r) => r.lock().unwrap_or_else(|e| e.into_inner()),
            None => self.conn(),
        }
    }

    fn err(&self, op: &'static str) -> impl Fn(rusqlite::Error) -> CacheError + '_ {
        move |e| {
            map_sqlite(
                e,
                op,
                self.path.as_deref().unwrap_or(Path::new(MEMORY_PATH)),
            )
        }
    }

    /// `PRAGMA integrity_check`: `"ok"`, or SQLite's list of problems.
    pub fn integrity_check(&self) -> Result<String, CacheError> {
        let conn = self.reader();
        let mut st = conn
            .prepare("PRAGMA integrity_check")
            .map_err(self.err("check the cache file"))?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err("check the cache file"))?;
        let lines = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err("check the cache file"))?;
        Ok(lines.join("\n"))
    }

    /// Counts and sizes.
    pub fn stats(&self) -> Result<CacheStats, CacheError> {
        let conn = self.reader();
        let count = |sql: &str| -> rusqlite::Result<u64> {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
        };
        let read = || -> rusqlite::Result<CacheStats> {
            let pages = count("PRAGMA page_count")?;
            let page_size = count("PRAGMA page_size")?;
            Ok(CacheStats {
                queries: count("SELECT count(*) FROM query")?,
                series: count("SELECT count(*) FROM series")?,
                chunks: count("SELECT count(*) FROM chunk")?,
                samples: count("SELECT coalesce(sum(n), 0) FROM chunk")?,
                chunk_bytes: count("SELECT coalesce(sum(length(data)), 0) FROM chunk")?,
                file_bytes: pages.saturating_mul(page_size),
                alerts: count("SELECT count(*) FROM alert")?,
                alert_events: count("SELECT count(*) FROM alert_event")?,
            })
        };
        let mut stats = read().map_err(self.err("read the cache statistics"))?;
        if let Some(path) = &self.path {
            let mut wal = path.as_os_str().to_owned();
            wal.push("-wal");
            let wal_len = std::fs::metadata(PathBuf::from(wal)).map_or(0, |m| m.len());
            stats.file_bytes = std::fs::metadata(path)
                .map_or(stats.file_bytes, |m| m.len())
                .saturating_add(wal_len);
        }
        Ok(stats)
    }
}

/// Canonical JSON of a label map (keys sorted, as `BTreeMap` serialises them).
fn labels_json(labels: &crate::source::Labels) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "{}".into())
}

fn parse_labels(json: &str) -> Option<crate::source::Labels> {
    serde_json::from_str(json).ok()
}

fn strings_json(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

fn parse_strings(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

#[cfg(test)]
mod tests;
