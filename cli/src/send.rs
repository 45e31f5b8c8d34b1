//! `payvost webhooks send`: a realistic signed event POSTed to an endpoint,
//! retried on the schedule of protocol §8 when asked.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use payvost_webhooks::EventType;
use serde_json::{Value, json};

use crate::{SecretArg, events, http, now};

#[derive(clap::Args)]
pub struct Args {
    /// Where to POST the event, e.g. https://yourapp.com/webhooks/payvost;
    /// given more than once, the event goes to every endpoint at once
    #[arg(long, required = true)]
    endpoint: Vec<String>,
    /// The event type, e.g. payment.succeeded (one of the 16 known; another with --allow-unknown-type)
    #[arg(long)]
    event: String,
    /// Send an event type that is not one of the 16 known
    #[arg(long)]
    allow_unknown_type: bool,
    /// The id of the object the event carries, e.g. pay_test_1234567890
    #[arg(long)]
    id: Option<String>,
    /// A JSON file whose fields are merged into data.object
    #[arg(long)]
    data: Option<PathBuf>,
    /// Sign with this unix time instead of now (first attempt)
    #[arg(long, allow_hyphen_values = true)]
    timestamp: Option<i64>,
    #[command(flatten)]
    secret: SecretArg,
    /// Retry on failure like Payvost: after 5 min, 15 min, 1 h, 3 h, 6 h and 12 h
    #[arg(long)]
    retry: bool,
    /// Multiply the retry delays, e.g. 0.001 to run the schedule in seconds
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Append each attempt to this file as a JSON line
    #[arg(long)]
    log: Option<PathBuf>,
    /// Deliver the same event N times at once to each endpoint, each copy
    /// signed afresh, as Payvost's retries and a fleet's race can: to see
    /// that an endpoint processes it once
    #[arg(long, value_name = "N", conflicts_with = "retry")]
    repeat: Option<u32>,
}

/// Seconds between attempts: protocol §8.
pub const SCHEDULE: [u64; 6] = [300, 900, 3_600, 10_800, 21_600, 43_200];

fn human(secs: u64) -> String {
    match secs {
        s if s >= 3_600 => format!("{} h", s / 3_600),
        s => format!("{} min", s / 60),
    }
}

/// The schedule's delay, and beside it the one `--time-scale` makes of it.
fn delay(secs: u64, time_scale: f64) -> String {
    if time_scale == 1.0 {
        return human(secs);
    }
    let scaled = secs as f64 * time_scale;
    let shown = if scaled < 1.0 {
        format!("{:.0} ms", scaled * 1_000.0)
    } else if scaled < 120.0 {
        format!("{scaled:.1} s")
    } else {
        human(scaled as u64)
    };
    format!("{} ({shown} at --time-scale {time_scale})", human(secs))
}

/// The error of an unknown `--event`, naming the closest known type.
fn unknown_type(name: &str) -> String {
    let closest = EventType::KNOWN
        .iter()
        .map(|t| t.as_str())
        .min_by_key(|known| strsim::damerau_levenshtein(name, known));
    let hint = closest.map_or(String::new(), |c| format!(" (did you mean {c}?)"));
    format!("{name} is not a known event type{hint}; pass --allow-unknown-type to send it anyway")
}

pub fn run(args: &Args) -> Result<bool, String> {
    if !(args.time_scale.is_finite() && args.time_scale >= 0.0) {
        return Err("--time-scale must be a number of at least 0".into());
    }
    let longest = SCHEDULE.iter().max().copied().unwrap_or(0);
    if Duration::try_from_secs_f64(longest as f64 * args.time_scale).is_err() {
        return Err(format!(
            "--time-scale is so large that the {} retry wait cannot be waited; \
             use 1 for real time or 0.001 to run the schedule in seconds",
            human(longest)
        ));
    }
    for endpoint in &args.endpoint {
        http::endpoint(endpoint)?;
    }
    let event_type = EventType::from_name(&args.event);
    if !event_type.is_known() && !args.allow_unknown_type {
        return Err(unknown_type(&args.event));
    }
    let created = args.timestamp.unwrap_or_else(now);
    let mut object = events::sample_object(&event_type, args.id.as_deref(), created);
    if let Some(path) = &args.data {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let Value::Object(extra) = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?
        else {
            return Err(format!("{} must hold a JSON object", path.display()));
        };
        if let Value::Object(fields) = &mut object {
            fields.extend(extra);
        }
    }
    let id = events::event_id();
    let body = events::event(&id, &event_type, object, created).to_string();
    if args.repeat.is_some() || args.endpoint.len() > 1 {
        return burst(args, &id, &event_type, &body);
    }
    let endpoint = args.endpoint.first().map_or("", String::as_str);
    let attempts = if args.retry {
        SCHEDULE.len().saturating_add(1)
    } else {
        1
    };
    println!("{} {id} → {endpoint}", event_type);
    for attempt in 1..=attempts {
        // Each attempt is signed afresh, as Payvost re-signs retries.
        let t = if attempt == 1 {
            args.timestamp.unwrap_or_else(now)
        } else {
            now()
        };
        let header = payvost_webhooks::sign(body.as_bytes(), args.secret.get()?, t)
            .map_err(|e| e.to_string())?;
        let answer = http::post(endpoint, body.as_bytes(), Some(&header));
        let next = (attempt < attempts)
            .then(|| SCHEDULE.get(attempt.saturating_sub(1)).copied())
            .flatten();
        let (ok, line, status, millis, shown) = match &answer {
            Ok(a) => (
                a.accepted(),
                format!("{} {} in {} ms", a.status, a.reason, a.millis()),
                Some(a.status),
                Some(a.millis()),
                Some(a.shown()),
            ),
            Err(e) => (false, e.clone(), None, None, None),
        };
        let retry = match (ok, next) {
            (false, Some(secs)) => format!("  next attempt in {}", delay(secs, args.time_scale)),
            _ => String::new(),
        };
        println!(
            "  attempt {attempt}/{attempts}  t={t}  {}  {line}{retry}",
            if ok { "succeeded" } else { "failed" }
        );
        if let Some(body) = shown.as_deref().filter(|body| !body.is_empty()) {
            println!("    answer: {body}");
        }
        if let Some(path) = &args.log {
            let record = json!({"attempt": attempt, "event_id": id, "type": event_type.as_str(), "t": t,
                                "signature": header, "status": status, "ms": millis, "succeeded": ok,
                                "answer": shown});
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            writeln!(file, "{record}")
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        if ok {
            return Ok(true);
        }
        if let Some(secs) = next {
            let wait = Duration::try_from_secs_f64(secs as f64 * args.time_scale);
            std::thread::sleep(wait.unwrap_or(Duration::MAX)); // checked above
        }
    }
    Ok(false)
}

/// `--repeat N` (or several `--endpoint`): the same event, each copy signed
/// afresh, N times at once to every endpoint. Succeeds when each endpoint
/// accepted at least one copy; a receiver that processes each event once
/// accepts the rest as duplicates, or answers 409 while one is in progress.
fn burst(args: &Args, id: &str, event_type: &EventType, body: &str) -> Result<bool, String> {
    let copies = args.repeat.unwrap_or(1);
    if copies == 0 {
        return Err("--repeat takes a number of copies of at least 1".into());
    }
    let secret = args.secret.get()?;
    println!(
        "{event_type} {id} → {} endpoint(s), {copies} copies each, at once",
        args.endpoint.len()
    );
    let deliveries: Vec<(&str, u32)> = args
        .endpoint
        .iter()
        .flat_map(|endpoint| (1..=copies).map(move |copy| (endpoint.as_str(), copy)))
        .collect();
    let answers: Vec<_> = std::thread::scope(|scope| {
        let running: Vec<_> = deliveries
            .iter()
            .map(|&(endpoint, copy)| {
                scope.spawn(move || {
                    let header = payvost_webhooks::sign(body.as_bytes(), secret, now())
                        .map_err(|e| e.to_string())?;
                    Ok::<_, String>((
                        endpoint,
                        copy,
                        http::post(endpoint, body.as_bytes(), Some(&header)),
                    ))
                })
            })
            .collect();
        running
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err("a sending thread failed".into()))
            })
            .collect()
    });
    let mut accepted: Vec<&str> = Vec::new();
    for answer in answers {
        let (endpoint, copy, answer) = answer?;
        match answer {
            Ok(a) => {
                if a.accepted() {
                    accepted.push(endpoint);
                }
                println!(
                    "  {endpoint} copy {copy}: {} {} in {} ms  {}",
                    a.status,
                    a.reason,
                    a.millis(),
                    a.shown()
                );
            }
            Err(e) => println!("  {endpoint} copy {copy}: {e}"),
        }
    }
    Ok(args
        .endpoint
        .iter()
        .all(|endpoint| accepted.contains(&endpoint.as_str())))
}
