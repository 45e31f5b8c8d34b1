//! POSTing a delivery, as Payvost's sender does: JSON body, signature header,
//! 30 s to answer.

use std::time::{Duration, Instant};

/// What an endpoint answered.
pub struct Answer {
    pub status: u16,
    pub reason: &'static str,
    pub body: String,
    pub elapsed: Duration,
}

impl Answer {
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The answer's body on one line, up to [`BODY_SHOWN`] characters: a
    /// receiver's error message is what a user needs to see whole.
    pub fn shown(&self) -> String {
        let flat: String = self
            .body
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let cut: String = flat.chars().take(BODY_SHOWN).collect();
        if flat.chars().count() > BODY_SHOWN {
            format!("{cut}… ({} bytes in all)", self.body.len())
        } else {
            cut
        }
    }

    pub fn millis(&self) -> u128 {
        self.elapsed.as_millis()
    }
}

/// How much of an answer's body is shown and logged, in characters.
pub const BODY_SHOWN: usize = 2_000;

/// How long Payvost waits for an answer (protocol §8).
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// `url`, when it names its scheme: a bare `localhost:3000/hook` would
/// otherwise fail deep in the HTTP client as "invalid format".
pub fn endpoint(url: &str) -> Result<&str, String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Ok(url)
    } else {
        Err(format!(
            "the endpoint {url:?} has no scheme: write http://{url} or https://{url}"
        ))
    }
}

pub fn post(url: &str, body: &[u8], signature: Option<&str>) -> Result<Answer, String> {
    // A redirect is the endpoint's answer, as a webhook sender reads it: not
    // accepted. Following it would POST the event elsewhere, or GET it.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    let mut request = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header(
            "User-Agent",
            concat!("Payvost-CLI/", env!("CARGO_PKG_VERSION")),
        );
    if let Some(signature) = signature {
        request = request.header(payvost_webhooks::SIGNATURE_HEADER, signature);
    }
    let started = Instant::now();
    let mut response = request
        .send(body)
        .map_err(|e| format!("POST {url} failed: {e}"))?;
    let elapsed = started.elapsed();
    let status = response.status();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Ok(Answer {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or(""),
        body,
        elapsed,
    })
}
