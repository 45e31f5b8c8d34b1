//! The idempotency guard on every store: memory, and the real SQLite,
//! PostgreSQL and Redis (started by scripts/services.sh, which `make test`
//! names in PAYVOST_TEST_POSTGRES_URL and PAYVOST_TEST_REDIS_URL); then the
//! guard's answers in a route's delivery records. The fleet test
//! (tests/idempotency/fleet.py) runs the Rust worker beside Node, Python and
//! PHP ones on the same stores.

#![cfg(all(feature = "postgres", feature = "redis", feature = "sqlite"))]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use payvost_axum::idempotency::{
    FailedEvent, IdempotencyGuard, MemoryStore, NotProcessed, PostgresStore, Processed, RedisStore,
    SqliteStore, Store,
};
use payvost_webhooks::Event;
use payvost_webhooks::idempotency::{Outcome, fingerprint, record_key};

fn event(id: &str, object: &str) -> Event {
    Event::from_slice(
        format!(
            r#"{{"id":"{id}","type":"payment.succeeded","data":{{"object":{{"id":"{object}"}}}}}}"#
        )
        .as_bytes(),
    )
    .unwrap()
}

/// A server's URL from the environment; without one, the test says why it
/// does not run (and fails under CI, where make test starts the servers).
fn server(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("{variable} is not set: make test starts the real servers (scripts/services.sh)")
        }
        Err(_) => {
            eprintln!(
                "skipped: {variable} is not set: run through make test, which starts the real servers"
            );
            None
        }
    }
}

fn pool(url: &str) -> deadpool_postgres::Pool {
    let mut config = deadpool_postgres::Config::new();
    config.url = Some(format!("{url}?connect_timeout=2"));
    config.pool = Some(deadpool_postgres::PoolConfig {
        max_size: 2,
        timeouts: deadpool_postgres::Timeouts {
            wait: Some(Duration::from_secs(2)),
            create: Some(Duration::from_secs(2)),
            recycle: None,
        },
        ..Default::default()
    });
    config
        .create_pool(
            Some(deadpool_postgres::Runtime::Tokio1),
            deadpool_postgres::tokio_postgres::NoTls,
        )
        .unwrap()
}

/// What every store must do, in a namespace of its own.
async fn scenarios<S: Store>(store: S, namespace: &str) {
    let guard = IdempotencyGuard::new(store).namespace(namespace);
    let runs = AtomicU32::new(0);
    let counted = |_: &Event| {
        runs.fetch_add(1, Ordering::SeqCst);
        async { Ok::<(), String>(()) }
    };
    let paid = event("evt_paid", "pay_1");
    assert_eq!(
        guard.process(&paid, counted).await.unwrap(),
        Processed::Processed { attempt: 1 }
    );
    assert_eq!(
        guard.process(&paid, counted).await.unwrap(),
        Processed::Duplicate { attempt: 1 }
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1, "a duplicate runs nothing");

    match guard.process(&event("evt_paid", "pay_2"), counted).await {
        Err(NotProcessed::Guard(error)) => assert_eq!(
            (error.code(), error.to_string()),
            (
                "event_id_reused",
                "Event evt_paid was received before with a different body; an event id always carries the same event, so \
                 this delivery is refused and its handler not run"
                    .to_owned()
            )
        ),
        other => panic!("{other:?}"),
    }

    // A handler's error releases the claim: the next delivery runs it again.
    let refund = event("evt_refund", "re_1");
    let failing = |_: &Event| async { Err::<(), String>("the database is down".to_owned()) };
    match guard.process(&refund, failing).await {
        Err(NotProcessed::Handler(error)) => assert_eq!(error, "the database is down"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        guard.process(&refund, counted).await.unwrap(),
        Processed::Processed { attempt: 2 }
    );

    // Another worker holds this one.
    let held = event("evt_held", "pay_3");
    let key = record_key(namespace, "evt_held");
    assert_eq!(
        guard
            .store()
            .claim(
                &key,
                &fingerprint(held.json().as_bytes()),
                "theirs",
                60_000,
                60_000
            )
            .await
            .unwrap(),
        (Outcome::Claimed, 1)
    );
    match guard.process(&held, counted).await {
        Err(NotProcessed::Guard(error)) => assert_eq!(error.code(), "event_in_progress"),
        other => panic!("{other:?}"),
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    // Failed after an answer (another language's acknowledgeFirst): listed
    // with its body and header until a delivery of the same body takes it.
    let after = event("evt_after", "pay_5");
    let after_key = record_key(namespace, "evt_after");
    let store = guard.store();
    store
        .claim(
            &after_key,
            &fingerprint(after.json().as_bytes()),
            "theirs",
            60_000,
            60_000,
        )
        .await
        .unwrap();
    assert!(
        store
            .fail(&after_key, "theirs", after.json(), "t=1,v1=00")
            .await
            .unwrap()
    );
    assert!(
        !store
            .fail(&after_key, "theirs", after.json(), "t=1,v1=00")
            .await
            .unwrap(),
        "no longer held"
    );
    assert_eq!(
        guard.failed().await.unwrap(),
        [FailedEvent {
            id: "evt_after".into(),
            attempt: 1,
            body: after.json().into(),
            header: "t=1,v1=00".into()
        }]
    );
    assert_eq!(
        guard.process(&after, counted).await.unwrap(),
        Processed::Processed { attempt: 2 }
    );
    assert_eq!(guard.failed().await.unwrap(), []);

    // A lease renewed while a slow handler runs: another claim finds it held.
    let slow_guard = IdempotencyGuard::new(guard.store())
        .namespace(namespace)
        .lease(Duration::from_millis(300));
    let slow = event("evt_slow", "pay_4");
    let slow_key = record_key(namespace, "evt_slow");
    let slow_fingerprint = fingerprint(slow.json().as_bytes());
    let handler = |_: &Event| async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        Ok::<(), String>(())
    };
    let (processed, stolen) = tokio::join!(slow_guard.process(&slow, handler), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        guard
            .store()
            .claim(&slow_key, &slow_fingerprint, "theirs", 60_000, 60_000)
            .await
            .unwrap()
    });
    assert_eq!(
        stolen.0,
        Outcome::InProgress,
        "renewed past its first lease"
    );
    assert_eq!(processed.unwrap(), Processed::Processed { attempt: 1 });
}

/// A store by reference is a store, so that two guards may share one.
#[tokio::test]
async fn memory() {
    scenarios(MemoryStore::default(), "memory").await;
}

#[tokio::test]
async fn sqlite() {
    let directory = std::env::temp_dir().join(format!("payvost-axum-guard-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let store =
        SqliteStore::new(rusqlite::Connection::open(directory.join("events.db")).unwrap()).unwrap();
    store.setup().await.unwrap();
    scenarios(store, "sqlite").await;
    let _ = std::fs::remove_dir_all(directory);
}

#[tokio::test]
async fn postgres() {
    let Some(url) = server("PAYVOST_TEST_POSTGRES_URL") else {
        return;
    };
    let store = PostgresStore::new(pool(&url));
    store.setup().await.unwrap();
    let run = format!(
        "axum-{}-{}",
        std::process::id(),
        payvost_webhooks::unix_now()
    );
    scenarios(store, &run).await;
}

#[tokio::test]
async fn redis() {
    let Some(url) = server("PAYVOST_TEST_REDIS_URL") else {
        return;
    };
    let connection = redis::aio::ConnectionManager::new(redis::Client::open(url).unwrap())
        .await
        .unwrap();
    let run = format!(
        "axum-{}-{}",
        std::process::id(),
        payvost_webhooks::unix_now()
    );
    scenarios(RedisStore::new(connection), &run).await;
}

#[tokio::test]
async fn a_store_that_cannot_be_reached_is_store_unavailable_and_runs_nothing() {
    // Nothing listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let guard = IdempotencyGuard::new(PostgresStore::new(pool(&format!(
        "postgresql://postgres@127.0.0.1:{port}/postgres"
    ))));
    let ran = AtomicU32::new(0);
    let handler = |_: &Event| {
        ran.fetch_add(1, Ordering::SeqCst);
        async { Ok::<(), String>(()) }
    };
    match guard.process(&event("evt_down", "pay_1"), handler).await {
        Err(NotProcessed::Guard(error)) => {
            assert_eq!(error.code(), "store_unavailable");
            assert!(
                error.to_string().starts_with(
                    "The idempotency store could not be reached or answered an error ("
                ),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}
