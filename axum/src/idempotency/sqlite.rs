//! SQLite through rusqlite, running the core's statements
//! ([`payvost_webhooks::idempotency::sql::SQLITE`]) in their `?` form, each
//! step one `BEGIN IMMEDIATE` transaction, off the async threads.

use std::sync::{Arc, Mutex, PoisonError};

use payvost_webhooks::idempotency::sql::SQLITE;
use payvost_webhooks::idempotency::{Dialect, Outcome, SqlStatement};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::{FailedRecord, Store, StoreError, claim_answer};

/// A store on a SQLite database file, shared by every process that opens
/// it; clones share the connection.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

/// The values a statement may name.
#[derive(Clone, Default)]
struct Values {
    key: String,
    fingerprint: String,
    token: String,
    lease_ms: i64,
    retention_ms: i64,
    body: String,
    header: String,
    prefix: String,
}

impl SqliteStore {
    /// A store on `connection` (`Connection::open(path)?`), which waits up
    /// to 5 s for another process's write.
    ///
    /// # Errors
    ///
    /// SQLite's, as text.
    pub fn new(connection: Connection) -> Result<Self, StoreError> {
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| e.to_string())?;
        Ok(SqliteStore {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Creates the records' table and index when they are missing.
    ///
    /// # Errors
    ///
    /// SQLite's, as text.
    pub async fn setup(&self) -> Result<(), StoreError> {
        self.run(|connection| {
            for statement in SQLITE.setup {
                connection.execute_batch(statement.0)?;
            }
            Ok(())
        })
        .await
    }

    /// Drops the records past their retention; how many.
    ///
    /// # Errors
    ///
    /// SQLite's, as text.
    pub async fn purge(&self) -> Result<usize, StoreError> {
        self.run(|connection| connection.execute(SQLITE.purge.0, []))
            .await
    }

    /// `step` in one write transaction, on a blocking thread.
    async fn run<T: Send + 'static>(
        &self,
        step: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let result = step(&transaction)?;
            transaction.commit()?;
            Ok(result)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e: rusqlite::Error| e.to_string())
    }

    async fn held(
        &self,
        statement: SqlStatement,
        key: &str,
        token: &str,
        ms: u64,
    ) -> Result<bool, StoreError> {
        let values = Values {
            key: key.to_owned(),
            token: token.to_owned(),
            lease_ms: signed(ms),
            retention_ms: signed(ms),
            ..Values::default()
        };
        self.run(move |connection| Ok(row(connection, statement, &values)?.is_some()))
            .await
    }
}

/// The first row `statement` answers, as (outcome, attempt) where it has them.
fn row(
    connection: &Connection,
    statement: SqlStatement,
    values: &Values,
) -> rusqlite::Result<Option<(String, i64)>> {
    let (text, names) = statement.render(Dialect::Qmark);
    let params: Vec<&dyn rusqlite::ToSql> = names
        .iter()
        .map(|name| -> &dyn rusqlite::ToSql {
            match *name {
                "key" => &values.key,
                "fingerprint" => &values.fingerprint,
                "token" => &values.token,
                "lease_ms" => &values.lease_ms,
                "body" => &values.body,
                "header" => &values.header,
                "prefix" => &values.prefix,
                _ => &values.retention_ms,
            }
        })
        .collect();
    connection
        .query_row(&text, params.as_slice(), |row| {
            // renew, release and complete answer the attempt alone.
            match row.get::<_, String>(0) {
                Ok(outcome) => Ok((outcome, row.get(1)?)),
                Err(_) => Ok((String::new(), row.get(0)?)),
            }
        })
        .optional()
}

impl Store for SqliteStore {
    async fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        token: &str,
        lease_ms: u64,
        retention_ms: u64,
    ) -> Result<(Outcome, u32), StoreError> {
        let values = Values {
            key: key.to_owned(),
            fingerprint: fingerprint.to_owned(),
            token: token.to_owned(),
            lease_ms: signed(lease_ms),
            retention_ms: signed(retention_ms),
            ..Values::default()
        };
        let found = self
            .run(move |connection| {
                let claimed = row(connection, SQLITE.claim, &values)?;
                match (claimed, SQLITE.inspect) {
                    (Some(found), _) => Ok(Some(found)),
                    (None, Some(inspect)) => row(connection, inspect, &values),
                    (None, None) => Ok(None),
                }
            })
            .await?;
        let Some((outcome, attempt)) = found else {
            return Ok((Outcome::InProgress, 0));
        };
        claim_answer(&outcome, attempt)
    }

    async fn renew(&self, key: &str, token: &str, lease_ms: u64) -> Result<bool, StoreError> {
        self.held(SQLITE.renew, key, token, lease_ms).await
    }

    async fn release(&self, key: &str, token: &str) -> Result<bool, StoreError> {
        self.held(SQLITE.release, key, token, 0).await
    }

    async fn complete(
        &self,
        key: &str,
        token: &str,
        retention_ms: u64,
    ) -> Result<bool, StoreError> {
        self.held(SQLITE.complete, key, token, retention_ms).await
    }

    async fn fail(
        &self,
        key: &str,
        token: &str,
        body: &str,
        header: &str,
    ) -> Result<bool, StoreError> {
        let values = Values {
            key: key.to_owned(),
            token: token.to_owned(),
            body: body.to_owned(),
            header: header.to_owned(),
            ..Values::default()
        };
        self.run(move |connection| Ok(row(connection, SQLITE.fail, &values)?.is_some()))
            .await
    }

    async fn failed(&self, prefix: &str) -> Result<Vec<FailedRecord>, StoreError> {
        let values = Values {
            prefix: prefix.to_owned(),
            ..Values::default()
        };
        self.run(move |connection| {
            let (text, names) = SQLITE.failed.render(Dialect::Qmark);
            let params: Vec<&dyn rusqlite::ToSql> = names
                .iter()
                .map(|_| -> &dyn rusqlite::ToSql { &values.prefix })
                .collect();
            let mut statement = connection.prepare(&text)?;
            let rows = statement.query_map(params.as_slice(), |row| {
                Ok(FailedRecord {
                    key: row.get(0)?,
                    attempt: row.get(1)?,
                    body: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    header: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                })
            })?;
            rows.collect()
        })
        .await
    }
}

fn signed(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}
