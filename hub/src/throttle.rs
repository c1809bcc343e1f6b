//! In-memory limits on requests, per hub process: failed logins per user name, and booking-page
//! requests per client address. A restart forgives, which is acceptable for a LAN hub and keeps
//! the database free of write traffic from guessing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use antrian_proto::{ErrorCode, RefusalDetail};

use crate::error::{Error, Result};

fn wait(code: ErrorCode, message: String, seconds: u64) -> Error {
    Error::refused(code, message)
        .with_detail(RefusalDetail { retry_after_seconds: Some(seconds), ..RefusalDetail::default() })
}

/// After `free_failures` failed logins for a user name, each further try must wait (2 s,
/// doubling up to 5 min) and is answered `too_many_attempts` until then.
#[derive(Debug)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, i64)>>,
    free_failures: u32,
}

impl LoginThrottle {
    pub fn new(free_failures: u32) -> Self {
        LoginThrottle { failures: Mutex::new(HashMap::new()), free_failures }
    }

    /// Refuses a try that comes before the user name's waiting time is over.
    pub fn check_allowed(&self, username: &str, now: i64) -> Result<()> {
        let failures = self.failures.lock().map_err(|_| Error::internal("login throttle lock poisoned"))?;
        if let Some((_, next_allowed)) = failures.get(username)
            && now < *next_allowed
        {
            let seconds = (next_allowed - now + 999) / 1000;
            return Err(wait(
                ErrorCode::TooManyAttempts,
                format!("too many failed logins; try again in {seconds} s"),
                u64::try_from(seconds).unwrap_or_default(),
            ));
        }
        Ok(())
    }

    pub fn record_failure(&self, username: &str, now: i64) {
        if let Ok(mut failures) = self.failures.lock() {
            if failures.len() > 10_000 {
                failures.retain(|_, (_, next)| *next > now);
            }
            let entry = failures.entry(username.to_owned()).or_insert((0, 0));
            entry.0 += 1;
            if entry.0 > self.free_failures {
                let exponent = (entry.0 - self.free_failures - 1).min(8);
                let wait_ms = (2_000i64 << exponent).min(300_000);
                entry.1 = now + wait_ms;
            }
        }
    }

    pub fn record_success(&self, username: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(username);
        }
    }
}

/// Requests per client address per minute (fixed one-minute windows).
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl RateLimiter {
    /// Counts one request from `client`; refuses it past `per_minute` (0: no limit).
    pub fn check(&self, client: Option<IpAddr>, per_minute: u32, now_ms: i64) -> Result<()> {
        let Some(client) = client else { return Ok(()) };
        if per_minute == 0 {
            return Ok(());
        }
        let minute = now_ms.div_euclid(60_000);
        let mut windows = self.windows.lock().map_err(|_| Error::internal("rate limiter lock poisoned"))?;
        if windows.len() > 100_000 {
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(client).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        if entry.1 > per_minute {
            let seconds = 60 - (now_ms.div_euclid(1000) % 60);
            return Err(wait(
                ErrorCode::RateLimited,
                format!("too many booking requests from this address; try again in {seconds} s"),
                u64::try_from(seconds).unwrap_or_default(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_failures_are_slowed_down_and_success_forgives() {
        let state = LoginThrottle::new(3);
        for _ in 0..3 {
            state.record_failure("budi", 0);
            assert!(state.check_allowed("budi", 0).is_ok());
        }
        state.record_failure("budi", 0);
        let refused = state.check_allowed("budi", 1_000).expect_err("must wait");
        assert_eq!(refused.code(), ErrorCode::TooManyAttempts);
        assert_eq!(refused.detail().and_then(|d| d.retry_after_seconds), Some(1));
        assert!(state.check_allowed("budi", 2_000).is_ok());
        state.record_failure("budi", 2_000);
        assert!(state.check_allowed("budi", 5_000).is_err(), "the wait doubles");
        assert!(state.check_allowed("siti", 5_000).is_ok(), "other users are not affected");
        state.record_success("budi");
        assert!(state.check_allowed("budi", 5_000).is_ok());
    }

    #[test]
    fn the_limit_counts_per_address_and_minute() {
        let limiter = RateLimiter::default();
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        for _ in 0..3 {
            assert!(limiter.check(Some(a), 3, 60_000).is_ok());
        }
        assert_eq!(limiter.check(Some(a), 3, 60_500).expect_err("fourth").code(), ErrorCode::RateLimited);
        assert!(limiter.check(Some(b), 3, 60_500).is_ok(), "another address has its own count");
        assert!(limiter.check(Some(a), 3, 120_000).is_ok(), "a new minute starts afresh");
        assert!(limiter.check(Some(a), 0, 120_000).is_ok());
        for _ in 0..10 {
            assert!(limiter.check(Some(a), 0, 120_000).is_ok(), "0 turns the limit off");
        }
    }
}
