//! The phone form's defences, as plain data structures the handlers consult: a per-client rate
//! limit, one-use form tokens, and the same-origin check of `Origin` and `Sec-Fetch-Site`.

use std::{
    collections::HashMap,
    fmt::Write as _,
    net::IpAddr,
    time::{Duration, Instant},
};

/// How many form posts one client may make: a burst, then one more per `refill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub refill: Duration,
}

impl Default for RateLimit {
    /// Enough for a family sharing one phone and a visitor who fixes a typo; far too few to
    /// flood the cloak or guess receipt codes.
    fn default() -> Self {
        Self {
            burst: 6,
            refill: Duration::from_mins(1),
        }
    }
}

/// Clients the limiter remembers at most; the quietest are forgotten first.
const MAX_CLIENTS: usize = 8192;

/// A token bucket per client address.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: HashMap<IpAddr, (f64, Instant)>,
}

impl RateLimiter {
    #[must_use]
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: HashMap::new(),
        }
    }

    /// Takes one post from `client`'s bucket, or says how long until it may post again.
    pub fn take(&mut self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let burst = f64::from(self.limit.burst.max(1));
        let refill = self.limit.refill.as_secs_f64().max(1e-3);
        if self.buckets.len() >= MAX_CLIENTS && !self.buckets.contains_key(&client) {
            self.forget_full_buckets(now, burst, refill);
        }
        let (tokens, last) = self.buckets.entry(client).or_insert((burst, now));
        let refilled =
            (*tokens + now.saturating_duration_since(*last).as_secs_f64() / refill).min(burst);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) * refill))
        }
    }

    fn forget_full_buckets(&mut self, now: Instant, burst: f64, refill: f64) {
        self.buckets.retain(|_, (tokens, last)| {
            *tokens + now.saturating_duration_since(*last).as_secs_f64() / refill < burst
        });
        if self.buckets.len() >= MAX_CLIENTS {
            // Everyone is still limited: forget the one that waited longest.
            if let Some(oldest) = self
                .buckets
                .iter()
                .min_by_key(|(_, (_, last))| *last)
                .map(|(ip, _)| *ip)
            {
                self.buckets.remove(&oldest);
            }
        }
    }
}

/// How long a form page's token stays good.
pub const TOKEN_LIFETIME: Duration = Duration::from_hours(2);
/// Tokens kept at most; the oldest go first.
const MAX_TOKENS: usize = 4096;

/// One-use tokens that each served form carries: a post without one the server handed out
/// (a cross-site form, a replayed request) is refused.
#[derive(Debug, Default)]
pub struct FormTokens {
    issued: HashMap<String, Instant>,
}

impl FormTokens {
    /// A fresh token for a page served at `now`.
    pub fn issue(&mut self, now: Instant) -> String {
        if self.issued.len() >= MAX_TOKENS {
            self.issued
                .retain(|_, at| now.saturating_duration_since(*at) < TOKEN_LIFETIME);
            while self.issued.len() >= MAX_TOKENS {
                let Some(oldest) = self
                    .issued
                    .iter()
                    .min_by_key(|(_, at)| **at)
                    .map(|(t, _)| t.clone())
                else {
                    break;
                };
                self.issued.remove(&oldest);
            }
        }
        let bytes: [u8; 16] = rand::random();
        let token: String = bytes.iter().fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        });
        self.issued.insert(token.clone(), now);
        token
    }

    /// Uses up `token`: true if it was issued here, is still fresh, and was not used before.
    pub fn redeem(&mut self, token: &str, now: Instant) -> bool {
        self.issued
            .remove(token)
            .is_some_and(|at| now.saturating_duration_since(at) < TOKEN_LIFETIME)
    }
}

/// Why a post is refused as not coming from this site's own page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrossSite {
    /// The browser says the request came from another site.
    FetchSite(String),
    /// `Origin` names another site (or is the opaque `null`).
    Origin(String),
}

/// Checks the browser's own word on where a post came from. Absent headers pass (old browsers,
/// scripts); the form token is then the defence.
pub fn same_origin(
    host: Option<&str>,
    origin: Option<&str>,
    fetch_site: Option<&str>,
) -> Result<(), CrossSite> {
    if let Some(site) = fetch_site {
        let site = site.trim().to_ascii_lowercase();
        if site != "same-origin" && site != "none" {
            return Err(CrossSite::FetchSite(site));
        }
    }
    if let Some(origin) = origin {
        let authority = origin
            .trim()
            .strip_prefix("http://")
            .or_else(|| origin.trim().strip_prefix("https://"));
        let matches = match (authority, host) {
            (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host.trim()),
            _ => false,
        };
        if !matches {
            return Err(CrossSite::Origin(origin.to_owned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_burst_then_refills() {
        let limit = RateLimit {
            burst: 3,
            refill: Duration::from_secs(10),
        };
        let mut limiter = RateLimiter::new(limit);
        let ip: IpAddr = "192.168.1.20".parse().unwrap();
        let other: IpAddr = "192.168.1.21".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take(ip, t0).is_ok());
        }
        let wait = limiter.take(ip, t0).unwrap_err();
        assert!(wait > Duration::from_secs(9) && wait <= Duration::from_secs(10));
        assert!(limiter.take(other, t0).is_ok(), "limits are per client");
        assert!(limiter.take(ip, t0 + Duration::from_secs(10)).is_ok());
        assert!(limiter.take(ip, t0 + Duration::from_secs(11)).is_err());
    }

    #[test]
    fn limiter_memory_is_bounded() {
        let mut limiter = RateLimiter::new(RateLimit::default());
        let now = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 + 100) {
            let _ = limiter.take(IpAddr::from(i.to_be_bytes()), now);
        }
        assert!(limiter.buckets.len() <= MAX_CLIENTS);
    }

    #[test]
    fn tokens_are_one_use_and_expire() {
        let mut tokens = FormTokens::default();
        let t0 = Instant::now();
        let token = tokens.issue(t0);
        assert_eq!(token.len(), 32);
        assert!(!tokens.redeem("not-a-token", t0));
        assert!(tokens.redeem(&token, t0));
        assert!(!tokens.redeem(&token, t0), "a token works once");
        let late = tokens.issue(t0);
        assert!(!tokens.redeem(&late, t0 + TOKEN_LIFETIME));
    }

    #[test]
    fn origin_checks() {
        let host = Some("192.168.1.5:8080");
        assert!(same_origin(host, None, None).is_ok());
        assert!(same_origin(host, Some("http://192.168.1.5:8080"), Some("same-origin")).is_ok());
        assert!(same_origin(host, None, Some("none")).is_ok());
        assert_eq!(
            same_origin(host, None, Some("cross-site")),
            Err(CrossSite::FetchSite("cross-site".into()))
        );
        assert!(same_origin(host, None, Some("same-site")).is_err());
        assert!(same_origin(host, Some("http://evil.example"), None).is_err());
        assert!(same_origin(host, Some("null"), None).is_err());
        assert!(same_origin(None, Some("http://192.168.1.5:8080"), None).is_err());
    }
}
