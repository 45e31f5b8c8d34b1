//! A Rust worker of the cross-language fleet test (tests/idempotency/fleet.py):
//! reads deliveries as JSON lines, verifies each, runs it through the
//! idempotency guard on the store named by PAYVOST_FLEET_STORE (sqlite:PATH,
//! redis://..., postgresql://...), and answers a JSON line, as the Node,
//! Python and PHP workers do. Its handler says when it starts (for the crash
//! and pause scenarios), sleeps as told, then records its effect in a place
//! with no uniqueness of its own.
//!
//! `cargo run -p payvost-axum --features postgres,redis,sqlite --example fleet-worker`

use std::time::Duration;

use deadpool_postgres::tokio_postgres;
use payvost_axum::idempotency::{
    IdempotencyGuard, NotProcessed, PostgresStore, Processed, RedisStore, SqliteStore, Store,
};
use payvost_webhooks::{Event, Webhook};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn say(message: &Value) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{message}");
    let _ = out.flush();
}

fn text<'a>(job: &'a Value, name: &str) -> &'a str {
    job.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn env(name: &str) -> Result<String, Failure> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

/// Where a handler records its effect.
enum Effects {
    Sqlite(std::sync::Mutex<rusqlite::Connection>),
    Redis(redis::aio::ConnectionManager, String),
    Postgres(deadpool_postgres::Pool),
}

impl Effects {
    async fn record(&self, event_id: &str, worker: &str) -> Result<(), Failure> {
        match self {
            Effects::Sqlite(db) => {
                let db = db.lock().map_err(|_| "poisoned")?;
                db.execute(
                    "INSERT INTO fleet_effects (event_id, worker) VALUES (?1, ?2)",
                    [event_id, worker],
                )?;
            }
            Effects::Redis(connection, key) => {
                let _: i64 = redis::cmd("RPUSH")
                    .arg(key)
                    .arg(format!("{event_id} {worker}"))
                    .query_async(&mut connection.clone())
                    .await?;
            }
            Effects::Postgres(client) => {
                let client = client.get().await?;
                client
                    .execute(
                        "INSERT INTO fleet_effects (event_id, worker) VALUES ($1, $2)",
                        &[&event_id, &worker],
                    )
                    .await?;
            }
        }
        Ok(())
    }
}

/// A pool that gives up on a server that is down within 2 s, as the other workers' do.
fn postgres(url: &str) -> Result<deadpool_postgres::Pool, Failure> {
    let mut config = deadpool_postgres::Config::new();
    config.url = Some(format!("{url}?connect_timeout=2"));
    let timeouts = deadpool_postgres::Timeouts {
        wait: Some(Duration::from_secs(2)),
        create: Some(Duration::from_secs(2)),
        recycle: Some(Duration::from_secs(2)),
    };
    config.pool = Some(deadpool_postgres::PoolConfig {
        max_size: 2,
        timeouts,
        ..Default::default()
    });
    Ok(config.create_pool(
        Some(deadpool_postgres::Runtime::Tokio1),
        tokio_postgres::NoTls,
    )?)
}

async fn serve<S: Store>(
    guard: IdempotencyGuard<S>,
    effects: Effects,
    name: &str,
) -> Result<(), Failure> {
    say(&json!({"ready": name}));
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let job: Value = serde_json::from_str(&line)?;
        let body = text(&job, "body");
        let webhook = Webhook::new(text(&job, "secret"))?;
        let event: Event = webhook.construct_event_now(body.as_bytes(), text(&job, "header"))?;
        let sleep =
            Duration::from_secs_f64(job.get("sleep").and_then(Value::as_f64).unwrap_or(0.0));
        let handler = |event: &Event| {
            let id = event.id().to_owned();
            let effects = &effects;
            async move {
                say(&json!({"started": id, "worker": name}));
                tokio::time::sleep(sleep).await;
                effects.record(&id, name).await
            }
        };
        let id = event.id();
        match guard.process(&event, handler).await {
            Ok(Processed::Processed { attempt }) => {
                say(&json!({"id": id, "worker": name, "outcome": "processed", "attempt": attempt}))
            }
            Ok(Processed::Duplicate { attempt }) => {
                say(&json!({"id": id, "worker": name, "outcome": "duplicate", "attempt": attempt}))
            }
            Err(NotProcessed::Guard(error)) => {
                say(&json!({"id": id, "worker": name, "outcome": error.code()}))
            }
            Err(NotProcessed::Handler(error)) => say(
                &json!({"id": id, "worker": name, "outcome": "handler_failed", "error": error.to_string()}),
            ),
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Failure> {
    let store = env("PAYVOST_FLEET_STORE")?;
    let lease = Duration::from_secs_f64(env("PAYVOST_FLEET_LEASE")?.parse()?);
    let namespace = env("PAYVOST_FLEET_NAMESPACE")?;
    let name = format!("rust-{}", std::process::id());
    if store.starts_with("redis://") {
        let client = redis::Client::open(store.as_str())?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let connection = redis::aio::ConnectionManager::new_with_config(client, config).await?;
        let effects = Effects::Redis(connection.clone(), env("PAYVOST_FLEET_EFFECTS")?);
        serve(
            IdempotencyGuard::new(RedisStore::new(connection))
                .lease(lease)
                .namespace(&namespace),
            effects,
            &name,
        )
        .await
    } else if store.starts_with("postgresql://") {
        let pool = postgres(&store)?;
        let guard = IdempotencyGuard::new(PostgresStore::new(pool.clone()))
            .lease(lease)
            .namespace(&namespace);
        serve(guard, Effects::Postgres(pool), &name).await
    } else {
        let path = store.trim_start_matches("sqlite:");
        let effects = rusqlite::Connection::open(path)?;
        effects.busy_timeout(Duration::from_secs(10))?;
        let guard = IdempotencyGuard::new(SqliteStore::new(rusqlite::Connection::open(path)?)?)
            .lease(lease)
            .namespace(&namespace);
        serve(
            guard,
            Effects::Sqlite(std::sync::Mutex::new(effects)),
            &name,
        )
        .await
    }
}
