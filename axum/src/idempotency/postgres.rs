//! PostgreSQL through a deadpool-postgres pool of tokio-postgres clients,
//! running the core's statements
//! ([`payvost_webhooks::idempotency::sql::POSTGRES`]) in their `$1` form.

use deadpool_postgres::tokio_postgres;
use payvost_webhooks::idempotency::sql::POSTGRES;
use payvost_webhooks::idempotency::{Dialect, Outcome, SqlStatement};
use tokio_postgres::types::ToSql;

use super::{FailedRecord, Store, StoreError, claim_answer};

/// A store on a deadpool-postgres pool, which replaces a connection the
/// server dropped (a restart, a failover); clones share the pool.
/// [`PostgresStore::setup`] creates the table when it is missing.
#[derive(Clone)]
pub struct PostgresStore {
    pool: deadpool_postgres::Pool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.status())
            .finish()
    }
}

/// The values a statement may name.
#[derive(Default)]
struct Values<'a> {
    key: &'a str,
    fingerprint: &'a str,
    token: &'a str,
    lease_ms: i64,
    retention_ms: i64,
    body: &'a str,
    header: &'a str,
    prefix: &'a str,
}

impl PostgresStore {
    /// A store on `pool`.
    pub fn new(pool: deadpool_postgres::Pool) -> Self {
        PostgresStore { pool }
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|error| match error {
            deadpool_postgres::PoolError::Backend(error) => said(error),
            other => other.to_string(),
        })
    }

    /// Creates the records' table when it is missing.
    ///
    /// # Errors
    ///
    /// The server's, as text.
    pub async fn setup(&self) -> Result<(), StoreError> {
        for statement in POSTGRES.setup {
            self.client()
                .await?
                .batch_execute(statement.0)
                .await
                .map_err(said)?;
        }
        Ok(())
    }

    /// Drops the records past their retention; how many.
    ///
    /// # Errors
    ///
    /// The server's, as text.
    pub async fn purge(&self) -> Result<u64, StoreError> {
        self.client()
            .await?
            .execute(POSTGRES.purge.0, &[])
            .await
            .map_err(said)
    }

    async fn rows(
        &self,
        statement: SqlStatement,
        values: &Values<'_>,
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let (text, names) = statement.render(Dialect::Dollar);
        let params: Vec<&(dyn ToSql + Sync)> = names
            .iter()
            .map(|name| -> &(dyn ToSql + Sync) {
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
        self.client()
            .await?
            .query(&text, &params)
            .await
            .map_err(said)
    }

    async fn held(
        &self,
        statement: SqlStatement,
        key: &str,
        token: &str,
        ms: u64,
    ) -> Result<bool, StoreError> {
        let values = Values {
            key,
            token,
            lease_ms: signed(ms),
            retention_ms: signed(ms),
            ..Values::default()
        };
        Ok(!self.rows(statement, &values).await?.is_empty())
    }
}

impl Store for PostgresStore {
    async fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        token: &str,
        lease_ms: u64,
        retention_ms: u64,
    ) -> Result<(Outcome, u32), StoreError> {
        let values = Values {
            key,
            fingerprint,
            token,
            lease_ms: signed(lease_ms),
            retention_ms: signed(retention_ms),
            ..Values::default()
        };
        let rows = self.rows(POSTGRES.claim, &values).await?;
        // No row: a record held by a claim this statement could not yet see.
        let Some(row) = rows.first() else {
            return Ok((Outcome::InProgress, 0));
        };
        let outcome: String = row.try_get(0).map_err(said)?;
        let attempt: i32 = row.try_get(1).map_err(said)?;
        claim_answer(&outcome, i64::from(attempt))
    }

    async fn renew(&self, key: &str, token: &str, lease_ms: u64) -> Result<bool, StoreError> {
        self.held(POSTGRES.renew, key, token, lease_ms).await
    }

    async fn release(&self, key: &str, token: &str) -> Result<bool, StoreError> {
        self.held(POSTGRES.release, key, token, 0).await
    }

    async fn complete(
        &self,
        key: &str,
        token: &str,
        retention_ms: u64,
    ) -> Result<bool, StoreError> {
        self.held(POSTGRES.complete, key, token, retention_ms).await
    }

    async fn fail(
        &self,
        key: &str,
        token: &str,
        body: &str,
        header: &str,
    ) -> Result<bool, StoreError> {
        let values = Values {
            key,
            token,
            body,
            header,
            ..Values::default()
        };
        Ok(!self.rows(POSTGRES.fail, &values).await?.is_empty())
    }

    async fn failed(&self, prefix: &str) -> Result<Vec<FailedRecord>, StoreError> {
        let rows = self
            .rows(
                POSTGRES.failed,
                &Values {
                    prefix,
                    ..Values::default()
                },
            )
            .await?;
        rows.iter()
            .map(|row| {
                let attempt: i32 = row.try_get(1).map_err(said)?;
                Ok(FailedRecord {
                    key: row.try_get(0).map_err(said)?,
                    attempt: u32::try_from(attempt).unwrap_or(0),
                    body: row
                        .try_get::<_, Option<String>>(2)
                        .map_err(said)?
                        .unwrap_or_default(),
                    header: row
                        .try_get::<_, Option<String>>(3)
                        .map_err(said)?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }
}

fn signed(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn said(error: tokio_postgres::Error) -> StoreError {
    // The database's own message, when it sent one, says more than the kind.
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}
