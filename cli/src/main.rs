//! `payvost`: the command line of the Payvost webhook SDK.
//!
//! `payvost webhooks send | sign | verify | listen | check | replay`: every check goes
//! through the `payvost-webhooks` core.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cases;
mod check;
mod events;
mod http;
mod listen;
mod receiver;
mod replay;
mod send;
mod verify;

/// The core's default tolerance, as the type of the `--tolerance` options.
const DEFAULT_TOLERANCE: i64 = {
    let secs = payvost_webhooks::Tolerance::DEFAULT.secs();
    assert!(secs <= i64::MAX as u64);
    secs as i64
};

#[derive(Parser)]
#[command(
    name = "payvost",
    version,
    about = "Payvost webhooks from the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send, sign, verify and receive webhook deliveries; audit an endpoint.
    #[command(subcommand)]
    Webhooks(Webhooks),
}

#[derive(Subcommand)]
enum Webhooks {
    /// Build a realistic event, sign it and POST it to an endpoint.
    Send(send::Args),
    /// Print the Payvost-Signature header for the body on standard input.
    Sign(verify::SignArgs),
    /// Verify the body on standard input against a header, and explain.
    Verify(verify::VerifyArgs),
    /// Receive deliveries on 127.0.0.1, verify them and print each event.
    Listen(listen::Args),
    /// Audit an endpoint against the security checklist of the webhook docs.
    Check(check::Args),
    /// List the events an idempotency guard keeps as failed (their handlers
    /// failed after the answer), and deliver them again to an endpoint.
    Replay(replay::Args),
    /// Verify JSON-lines cases from standard input (for differential testing).
    #[command(hide = true)]
    VerifyCases,
}

fn main() -> ExitCode {
    let Cli {
        command: Command::Webhooks(command),
    } = Cli::parse();
    let outcome = match command {
        Webhooks::Send(args) => send::run(&args),
        Webhooks::Sign(args) => verify::sign(&args),
        Webhooks::Verify(args) => verify::verify(&args),
        Webhooks::Listen(args) => listen::run(&args),
        Webhooks::Check(args) => check::run(&args),
        Webhooks::Replay(args) => replay::run(&args),
        Webhooks::VerifyCases => cases::run(),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("payvost: {message}");
            ExitCode::from(2)
        }
    }
}

/// The secret of a command: `--secret`, or the `PAYVOST_WEBHOOK_SECRET` environment variable.
#[derive(clap::Args, Debug, Clone)]
pub struct SecretArg {
    /// The endpoint's signing secret, whsec_.... Prefer the
    /// PAYVOST_WEBHOOK_SECRET environment variable: a command line, this
    /// option's value included, is visible to every local user (ps)
    #[arg(long, env = "PAYVOST_WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
}

impl SecretArg {
    /// The secret, or an error that names both ways to give it.
    pub fn get(&self) -> Result<&str, String> {
        self.secret.as_deref().ok_or_else(no_secret)
    }
}

/// The error of a command given no secret: it names both ways to give one.
pub fn no_secret() -> String {
    format!(
        "no signing secret: pass --secret whsec_... or set {}",
        payvost_webhooks::SECRET_VARIABLE
    )
}

/// Unix seconds now, by the core's clock.
pub fn now() -> i64 {
    payvost_webhooks::unix_now()
}
