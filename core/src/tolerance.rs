//! The time window: how far a signature's timestamp may lie from `now`
//! (protocol §4), and `now` itself as other languages hold time.

use crate::error::{Error, ToleranceProblem};

/// A tolerance in whole seconds, from 1 to 30 days. There is no way to
/// switch the timestamp check off; a caller who processes a queued
/// delivery later passes the time it was received as `now`.
///
/// ```
/// use payvost_webhooks::Tolerance;
///
/// assert_eq!(Tolerance::default().secs(), 300);
/// assert_eq!(Tolerance::new(600).unwrap().secs(), 600);
/// assert_eq!(Tolerance::new(0).unwrap_err().code(), "tolerance_invalid");
/// assert_eq!(Tolerance::from_f64(1.5).unwrap_err().code(), "tolerance_invalid");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tolerance(u64);

impl Tolerance {
    /// The default, 300 seconds.
    pub const DEFAULT: Tolerance = Tolerance(300);
    /// The smallest tolerance accepted, one second.
    pub const MIN_SECS: u64 = 1;
    /// The largest tolerance accepted, 30 days.
    pub const MAX_SECS: u64 = 30 * 24 * 60 * 60;

    /// A tolerance of `secs` seconds.
    ///
    /// # Errors
    ///
    /// `tolerance_invalid` for zero, a negative number, or more than 30 days.
    pub fn new(secs: i64) -> Result<Self, Error> {
        match u64::try_from(secs) {
            Ok(0) | Err(_) => Err(invalid(ToleranceProblem::NotPositive)),
            Ok(secs) if secs > Self::MAX_SECS => Err(invalid(ToleranceProblem::TooLarge)),
            Ok(secs) => Ok(Tolerance(secs)),
        }
    }

    /// A tolerance from a floating-point number of seconds, as JavaScript
    /// and Python callers hold numbers; it must be whole.
    ///
    /// # Errors
    ///
    /// `tolerance_invalid` for a fraction, NaN, an infinity, or what
    /// [`Tolerance::new`] refuses.
    pub fn from_f64(secs: f64) -> Result<Self, Error> {
        if !secs.is_finite() {
            Err(invalid(ToleranceProblem::NotWhole))
        } else if secs <= 0.0 {
            Err(invalid(ToleranceProblem::NotPositive))
        } else if secs > Self::MAX_SECS as f64 {
            Err(invalid(ToleranceProblem::TooLarge))
        } else if (secs as u64) as f64 != secs {
            // Within 1..=MAX_SECS the cast truncates exactly, so this
            // catches fractions (core has no `f64::fract` without std).
            Err(invalid(ToleranceProblem::NotWhole))
        } else {
            Ok(Tolerance(secs as u64))
        }
    }

    /// The tolerance in seconds.
    pub const fn secs(self) -> u64 {
        self.0
    }

    /// Step 5 of protocol §4: `|now - timestamp| == tolerance` passes.
    /// Exact for every pair of `i64`.
    pub fn check(self, timestamp: i64, now: i64) -> Result<(), Error> {
        let distance = timestamp.abs_diff(now);
        if distance <= self.0 {
            Ok(())
        } else if timestamp < now {
            Err(Error::TimestampTooOld {
                age: distance,
                tolerance: self.0,
            })
        } else {
            Err(Error::TimestampTooNew {
                ahead: distance,
                tolerance: self.0,
            })
        }
    }
}

/// Unix seconds from a floating-point number, as JavaScript (`Date.now() /
/// 1000`) and Python (`time.time()`) hold time: a fraction is dropped
/// (toward zero) and values beyond `i64` saturate, which the window check
/// handles exactly.
///
/// ```
/// use payvost_webhooks::bindings::unix_seconds_from_f64;
///
/// assert_eq!(unix_seconds_from_f64(1_764_000_000.75).unwrap(), 1_764_000_000);
/// assert_eq!(unix_seconds_from_f64(f64::NAN).unwrap_err().code(), "tolerance_invalid");
/// ```
///
/// # Errors
///
/// `tolerance_invalid` for NaN and the infinities: no time window can be
/// placed around them.
pub fn unix_seconds_from_f64(secs: f64) -> Result<i64, Error> {
    if secs.is_finite() {
        Ok(secs as i64) // `as` truncates toward zero and saturates
    } else {
        Err(invalid(ToleranceProblem::TimeNotFinite))
    }
}

impl Default for Tolerance {
    fn default() -> Self {
        Self::DEFAULT
    }
}

fn invalid(problem: ToleranceProblem) -> Error {
    Error::ToleranceInvalid(problem)
}
