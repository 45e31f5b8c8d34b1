//! `payvost webhooks replay`: the events an idempotency guard keeps as
//! failed (their handlers failed after the delivery was answered, in any
//! language of the SDK), listed from its store, and with `--endpoint`
//! delivered again, signed anew, so that the receiver's guard runs them.

use payvost_axum::idempotency::{
    FailedEvent, IdempotencyGuard, PostgresStore, RedisStore, SqliteStore,
};
use payvost_webhooks::Event;

use crate::{SecretArg, http, now};

#[derive(clap::Args)]
pub struct Args {
    /// The guard's store: postgresql://USER@HOST:PORT/DB, redis://HOST:PORT/N,
    /// or an SQLite file (sqlite:PATH, or a path)
    #[arg(long, value_name = "URL")]
    store: String,
    /// The guard's namespace: its record keys are NAMESPACE:EVENT_ID
    #[arg(long, default_value = payvost_webhooks::idempotency::DEFAULT_NAMESPACE)]
    namespace: String,
    /// Deliver each failed event again to this endpoint, signed anew with the
    /// secret, as Payvost would; without it, the events are only listed
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// Only this event
    #[arg(long, value_name = "EVENT_ID")]
    event: Option<String>,
    #[command(flatten)]
    secret: SecretArg,
}

pub fn run(args: &Args) -> Result<bool, String> {
    let secret = match &args.endpoint {
        Some(endpoint) => {
            http::endpoint(endpoint)?;
            Some(args.secret.get()?)
        }
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let mut failed = runtime.block_on(failed(&args.store, &args.namespace))?;
    if let Some(id) = &args.event {
        failed.retain(|event| &event.id == id);
        if failed.is_empty() {
            return Err(format!(
                "no failed event {id} in {} (namespace {})",
                args.store, args.namespace
            ));
        }
    }
    let (Some(endpoint), Some(secret)) = (&args.endpoint, secret) else {
        for event in &failed {
            println!("{}", listed(event));
        }
        println!(
            "{} failed event{} in namespace {}",
            failed.len(),
            plural(failed.len()),
            args.namespace
        );
        return Ok(true);
    };
    let mut delivered = 0usize;
    for event in &failed {
        let header = payvost_webhooks::sign(event.body.as_bytes(), secret, now())
            .map_err(|e| e.to_string())?;
        match http::post(endpoint, event.body.as_bytes(), Some(&header)) {
            Ok(answer) if answer.accepted() => {
                delivered = delivered.saturating_add(1);
                println!(
                    "✓ {}  {} {} in {} ms",
                    listed(event),
                    answer.status,
                    answer.reason,
                    answer.millis()
                );
            }
            Ok(answer) => println!(
                "✗ {}  {} {} in {} ms, answered: {}",
                listed(event),
                answer.status,
                answer.reason,
                answer.millis(),
                answer.shown()
            ),
            Err(error) => println!("✗ {}  {error}", listed(event)),
        }
    }
    println!(
        "{delivered} of {} failed event{} delivered again to {endpoint}",
        failed.len(),
        plural(failed.len())
    );
    Ok(delivered == failed.len())
}

/// The failed events of `namespace` in the store at `url`.
async fn failed(url: &str, namespace: &str) -> Result<Vec<FailedEvent>, String> {
    let said = |error: payvost_webhooks::Error| format!("{}: {error}", error.code());
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut config = deadpool_postgres::Config::new();
        config.url = Some(url.to_owned());
        let pool = config
            .create_pool(
                Some(deadpool_postgres::Runtime::Tokio1),
                deadpool_postgres::tokio_postgres::NoTls,
            )
            .map_err(|e| format!("cannot use {url}: {e}"))?;
        IdempotencyGuard::new(PostgresStore::new(pool))
            .namespace(namespace)
            .failed()
            .await
            .map_err(said)
    } else if url.starts_with("redis://") || url.starts_with("rediss://") {
        let client = redis::Client::open(url).map_err(|e| format!("cannot use {url}: {e}"))?;
        let connection = redis::aio::ConnectionManager::new(client)
            .await
            .map_err(|e| format!("cannot reach {url}: {e}"))?;
        IdempotencyGuard::new(RedisStore::new(connection))
            .namespace(namespace)
            .failed()
            .await
            .map_err(said)
    } else {
        let path = url.strip_prefix("sqlite:").unwrap_or(url);
        if !std::path::Path::new(path).is_file() {
            return Err(format!(
                "{path} is not an SQLite file (give --store postgresql://..., redis://... or a path)"
            ));
        }
        let connection =
            rusqlite::Connection::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
        IdempotencyGuard::new(SqliteStore::new(connection)?)
            .namespace(namespace)
            .failed()
            .await
            .map_err(said)
    }
}

/// A failed event on one line: its id, type, attempt and size.
fn listed(event: &FailedEvent) -> String {
    let kind = Event::from_slice(event.body.as_bytes()).map_or_else(
        |_| "(not an event)".to_owned(),
        |parsed| parsed.event_type().as_str().to_owned(),
    );
    format!(
        "{}  {kind}  attempt {}  {} bytes",
        event.id,
        event.attempt,
        event.body.len()
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
