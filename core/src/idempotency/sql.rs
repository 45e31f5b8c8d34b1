//! The SQL the Postgres and SQLite stores run, written once with named
//! placeholders (`:key`) and rendered in the placeholder style of each
//! client: `$1` (node-postgres), `%s` (psycopg), `?` (SQLite clients, PDO).
//! Times are the database's own: Postgres `clock_timestamp()`, SQLite's
//! `julianday('now')` in whole milliseconds.

use alloc::string::String;
use alloc::vec::Vec;

/// A placeholder style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `$1`, `$2`...: one number per distinct name (node-postgres, Postgres itself).
    Dollar,
    /// `%s` at each use (psycopg).
    Percent,
    /// `?` at each use (SQLite's clients, PDO).
    Qmark,
}

impl Dialect {
    /// Every dialect, in the order of the facts.
    pub const ALL: [Dialect; 3] = [Dialect::Dollar, Dialect::Percent, Dialect::Qmark];

    /// The dialect's name in the facts.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Dollar => "dollar",
            Dialect::Percent => "percent",
            Dialect::Qmark => "qmark",
        }
    }
}

/// A statement with named placeholders (`:key`); no `::` casts and no `%`,
/// so that every dialect renders it unambiguously.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqlStatement(pub &'static str);

impl SqlStatement {
    /// The text in `dialect`, and the parameter names in the order the
    /// client passes their values.
    ///
    /// ```
    /// use payvost_webhooks::idempotency::{Dialect, SqlStatement};
    ///
    /// let statement = SqlStatement("SELECT :a, :b, :a");
    /// assert_eq!(statement.render(Dialect::Dollar), ("SELECT $1, $2, $1".into(), vec!["a", "b"]));
    /// assert_eq!(statement.render(Dialect::Qmark), ("SELECT ?, ?, ?".into(), vec!["a", "b", "a"]));
    /// assert_eq!(statement.render(Dialect::Percent).0, "SELECT %s, %s, %s");
    /// ```
    pub fn render(self, dialect: Dialect) -> (String, Vec<&'static str>) {
        let mut text = String::with_capacity(self.0.len());
        let mut params: Vec<&'static str> = Vec::new();
        let mut rest = self.0;
        while let Some(at) = rest.find(':') {
            let (before, from) = rest.split_at(at);
            text.push_str(before);
            let name_len = from
                .bytes()
                .skip(1)
                .take_while(|b| b.is_ascii_lowercase() || *b == b'_')
                .count();
            let Some(name) = from
                .get(1..name_len.saturating_add(1))
                .filter(|n| !n.is_empty())
            else {
                text.push(':');
                rest = from.get(1..).unwrap_or_default();
                continue;
            };
            match dialect {
                Dialect::Dollar => {
                    let number = match params.iter().position(|p| *p == name) {
                        Some(index) => index,
                        None => {
                            params.push(name);
                            params.len().saturating_sub(1)
                        }
                    };
                    text.push('$');
                    text.push_str(itoa::Buffer::new().format(number.saturating_add(1)));
                }
                Dialect::Percent | Dialect::Qmark => {
                    params.push(name);
                    text.push_str(if dialect == Dialect::Qmark { "?" } else { "%s" });
                }
            }
            rest = from.get(name_len.saturating_add(1)..).unwrap_or_default();
        }
        text.push_str(rest);
        (text, params)
    }

    /// The statement in every dialect, as a JSON object.
    fn json(self) -> String {
        let dialects: Vec<String> = Dialect::ALL
            .iter()
            .map(|&dialect| {
                let (text, params) = self.render(dialect);
                let params: Vec<String> =
                    params.iter().map(|p| alloc::format!("\"{p}\"")).collect();
                alloc::format!(
                    r#""{}": {{"text": {}, "params": [{}]}}"#,
                    dialect.as_str(),
                    crate::facts::text(&text),
                    params.join(", ")
                )
            })
            .collect();
        alloc::format!("{{{}}}", dialects.join(", "))
    }
}

/// The store's statements: `setup` creates what is missing; `claim`
/// answers one row (`outcome`, `attempt`) or, where the claim found the
/// record held by a claim it could not yet see, none (read as
/// `in_progress`); SQLite, which cannot read and write in one statement,
/// runs `inspect` after a `claim` that answered nothing, in the same
/// transaction. `renew`, `release` and `complete` answer a row when this
/// worker's token still holds the record, none when its lease was lost.
pub struct Statements {
    /// Creates the table and its index, each statement on its own.
    pub setup: &'static [SqlStatement],
    /// Claims the record, or says why not.
    pub claim: SqlStatement,
    /// After a claim that answered nothing: why (SQLite only).
    pub inspect: Option<SqlStatement>,
    /// Extends this worker's lease.
    pub renew: SqlStatement,
    /// Ends this worker's lease now, after a handler's error.
    pub release: SqlStatement,
    /// Marks the record completed, kept until the retention ends.
    pub complete: SqlStatement,
    /// Marks the record failed after its delivery was answered
    /// (acknowledged first), keeping its raw body and header for a retry;
    /// a claim of the same body takes it again.
    pub fail: SqlStatement,
    /// The failed records under a namespace (`:prefix`, `<namespace>:`):
    /// `key`, `attempt`, `body`, `header`, by key.
    pub failed: SqlStatement,
    /// Drops records past their retention.
    pub purge: SqlStatement,
}

impl Statements {
    fn json(&self) -> String {
        let setup: Vec<String> = self.setup.iter().map(|s| s.json()).collect();
        alloc::format!(
            "{{\"setup\": [{}],\n      \"claim\": {},\n      \"inspect\": {},\n      \"renew\": {},\n      \"release\": {},\n      \"complete\": {},\n      \"fail\": {},\n      \"failed\": {},\n      \"purge\": {}}}",
            setup.join(", "),
            self.claim.json(),
            self.inspect
                .map_or_else(|| String::from("null"), SqlStatement::json),
            self.renew.json(),
            self.release.json(),
            self.complete.json(),
            self.fail.json(),
            self.failed.json(),
            self.purge.json(),
        )
    }
}

/// Postgres: one round trip a step, the claim's reason read in the same
/// statement (a CTE over the pre-statement snapshot). Only the key is
/// indexed, and pages keep room (`fillfactor`), so that renewing and
/// completing a record are heap-only updates: an index on `expires_at`
/// would make every completion write two index entries, for the sake of
/// `purge`, which runs rarely and scans.
pub const POSTGRES: Statements = Statements {
    setup: &[
        SqlStatement(
            "CREATE TABLE IF NOT EXISTS payvost_events (\
         key text PRIMARY KEY, fingerprint text NOT NULL, state text NOT NULL, token text, \
         lease_until timestamptz, attempt integer NOT NULL, expires_at timestamptz NOT NULL, \
         body text, header text) WITH (fillfactor = 70)",
        ),
        // A table made before failed records kept their body and header.
        SqlStatement(
            "ALTER TABLE payvost_events ADD COLUMN IF NOT EXISTS body text, \
             ADD COLUMN IF NOT EXISTS header text",
        ),
    ],
    claim: SqlStatement(
        "WITH claimed AS (\
         INSERT INTO payvost_events AS e (key, fingerprint, state, token, lease_until, attempt, expires_at) \
         VALUES (:key, :fingerprint, 'in_progress', :token, \
         clock_timestamp() + CAST(:lease_ms AS bigint) * INTERVAL '1 millisecond', 1, \
         clock_timestamp() + CAST(:retention_ms AS bigint) * INTERVAL '1 millisecond') \
         ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_progress', \
         token = excluded.token, lease_until = excluded.lease_until, expires_at = excluded.expires_at, \
         attempt = CASE WHEN e.expires_at <= clock_timestamp() THEN 1 ELSE e.attempt + 1 END \
         WHERE e.expires_at <= clock_timestamp() OR (e.fingerprint = excluded.fingerprint \
         AND (e.state = 'failed' OR (e.state = 'in_progress' AND e.lease_until <= clock_timestamp()))) \
         RETURNING CAST('claimed' AS text) AS outcome, e.attempt) \
         SELECT outcome, attempt FROM claimed \
         UNION ALL \
         SELECT CASE WHEN e.fingerprint <> :fingerprint THEN 'reused' \
         WHEN e.state = 'completed' THEN 'duplicate' ELSE 'in_progress' END, e.attempt \
         FROM payvost_events e WHERE e.key = :key AND NOT EXISTS (SELECT 1 FROM claimed)",
    ),
    inspect: None,
    renew: SqlStatement(
        "UPDATE payvost_events \
         SET lease_until = clock_timestamp() + CAST(:lease_ms AS bigint) * INTERVAL '1 millisecond' \
         WHERE key = :key AND token = :token AND state = 'in_progress' RETURNING attempt",
    ),
    release: SqlStatement(
        "UPDATE payvost_events SET lease_until = clock_timestamp() \
         WHERE key = :key AND token = :token AND state = 'in_progress' RETURNING attempt",
    ),
    complete: SqlStatement(
        "UPDATE payvost_events SET state = 'completed', token = NULL, lease_until = NULL, body = NULL, \
         header = NULL, expires_at = clock_timestamp() + CAST(:retention_ms AS bigint) * INTERVAL '1 millisecond' \
         WHERE key = :key AND token = :token AND state = 'in_progress' RETURNING attempt",
    ),
    fail: SqlStatement(
        "UPDATE payvost_events SET state = 'failed', token = NULL, lease_until = NULL, body = :body, \
         header = :header WHERE key = :key AND token = :token AND state = 'in_progress' RETURNING attempt",
    ),
    failed: SqlStatement(
        "SELECT key, attempt, body, header FROM payvost_events WHERE state = 'failed' \
         AND substr(key, 1, length(:prefix)) = :prefix AND expires_at > clock_timestamp() ORDER BY key",
    ),
    purge: SqlStatement("DELETE FROM payvost_events WHERE expires_at <= clock_timestamp()"),
};

/// SQLite's clock in whole milliseconds, the same in every SQLite version.
macro_rules! sqlite_now {
    () => {
        "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
    };
}

/// SQLite: times are integers of milliseconds; a claim is two statements in
/// one write transaction (`BEGIN IMMEDIATE`), which SQLite serialises.
pub const SQLITE: Statements = Statements {
    setup: &[
        SqlStatement(
            "CREATE TABLE IF NOT EXISTS payvost_events (\
             key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL, token TEXT, \
             lease_until INTEGER, attempt INTEGER NOT NULL, expires_at INTEGER NOT NULL, \
             body TEXT, header TEXT)",
        ),
        SqlStatement(
            "CREATE INDEX IF NOT EXISTS payvost_events_expires_at ON payvost_events (expires_at)",
        ),
    ],
    claim: SqlStatement(concat!(
        "INSERT INTO payvost_events AS e (key, fingerprint, state, token, lease_until, attempt, expires_at) \
         VALUES (:key, :fingerprint, 'in_progress', :token, ",
        sqlite_now!(),
        " + :lease_ms, 1, ",
        sqlite_now!(),
        " + :retention_ms) \
         ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_progress', \
         token = excluded.token, lease_until = excluded.lease_until, expires_at = excluded.expires_at, \
         attempt = CASE WHEN e.expires_at <= ",
        sqlite_now!(),
        " THEN 1 ELSE e.attempt + 1 END \
         WHERE e.expires_at <= ",
        sqlite_now!(),
        " OR (e.fingerprint = excluded.fingerprint AND (e.state = 'failed' OR (e.state = 'in_progress' AND e.lease_until <= ",
        sqlite_now!(),
        "))) RETURNING 'claimed' AS outcome, attempt"
    )),
    inspect: Some(SqlStatement(
        "SELECT CASE WHEN fingerprint <> :fingerprint THEN 'reused' \
         WHEN state = 'completed' THEN 'duplicate' ELSE 'in_progress' END AS outcome, attempt \
         FROM payvost_events WHERE key = :key",
    )),
    renew: SqlStatement(concat!(
        "UPDATE payvost_events SET lease_until = ",
        sqlite_now!(),
        " + :lease_ms WHERE key = :key AND token = :token AND state = 'in_progress' RETURNING attempt"
    )),
    release: SqlStatement(concat!(
        "UPDATE payvost_events SET lease_until = ",
        sqlite_now!(),
        " WHERE key = :key AND token = :token AND state = 'in_progress' RETURNING attempt"
    )),
    complete: SqlStatement(concat!(
        "UPDATE payvost_events SET state = 'completed', token = NULL, lease_until = NULL, body = NULL, \
         header = NULL, expires_at = ",
        sqlite_now!(),
        " + :retention_ms WHERE key = :key AND token = :token AND state = 'in_progress' RETURNING attempt"
    )),
    fail: SqlStatement(
        "UPDATE payvost_events SET state = 'failed', token = NULL, lease_until = NULL, body = :body, \
         header = :header WHERE key = :key AND token = :token AND state = 'in_progress' RETURNING attempt",
    ),
    failed: SqlStatement(concat!(
        "SELECT key, attempt, body, header FROM payvost_events WHERE state = 'failed' \
         AND substr(key, 1, length(:prefix)) = :prefix AND expires_at > ",
        sqlite_now!(),
        " ORDER BY key"
    )),
    purge: SqlStatement(concat!(
        "DELETE FROM payvost_events WHERE expires_at <= ",
        sqlite_now!()
    )),
};

pub(super) fn postgres_json() -> String {
    POSTGRES.json()
}

pub(super) fn sqlite_json() -> String {
    SQLITE.json()
}
