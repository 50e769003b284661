//! The phone form's defences, as plain data structures the handlers consult: rate limits per
//! client network and for everyone together, signed one-use form tokens, the host names the form
//! is served under, and the same-origin check of `Origin` and `Sec-Fetch-Site`.

use std::{
    collections::{HashMap, HashSet, hash_map::Entry},
    fmt,
    net::{IpAddr, Ipv6Addr},
    time::{Duration, Instant},
};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::hash::{from_hex, to_hex};

/// How many requests one client network may make: a burst, then one more per `refill`; and how
/// many all networks together may make in a minute.
///
/// A client network is an IPv4 address, or an IPv6 /64 (one home, one phone's provider prefix):
/// rotating addresses inside a /64 earns no fresh burst. A gallery whose phones all reach the
/// server through one NAT (one public IPv4 address) shares a single network's budget: raise
/// `burst` and shorten `refill` there; `global_per_minute` still caps the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests one network may make at once.
    pub burst: u32,
    /// Time for one more request to become available to a network.
    pub refill: Duration,
    /// Requests all networks together may make per minute (a burst of this many, refilled
    /// evenly over the minute); 0 for no shared cap.
    pub global_per_minute: u32,
}

impl RateLimit {
    /// Withdrawals by receipt code: 3 a network, then one every 10 minutes, and 6 a minute from
    /// every phone together. A receipt code has 30 bits: at 6 guesses a minute and 20,000 dreams
    /// on the cloak, a guesser would hit one dream in about six days.
    #[must_use]
    pub fn withdrawals() -> Self {
        Self {
            burst: 3,
            refill: Duration::from_mins(10),
            global_per_minute: 6,
        }
    }
}

impl Default for RateLimit {
    /// Posts: enough for a family sharing one phone and a visitor who fixes a typo; far too few
    /// to flood the cloak or guess receipt codes. At most 120 dreams a minute reach the piece
    /// from every phone together.
    fn default() -> Self {
        Self {
            burst: 6,
            refill: Duration::from_mins(1),
            global_per_minute: 120,
        }
    }
}

impl RateLimit {
    /// Form pages (GET): generous for people (sixty at once, one more a second), and no shared
    /// cap, so one client's flood never locks others out of the form.
    #[must_use]
    pub const fn pages() -> Self {
        Self {
            burst: 60,
            refill: Duration::from_secs(1),
            global_per_minute: 0,
        }
    }
}

/// The network a client address is counted under: an IPv4 address as it is (an IPv4-mapped
/// IPv6 address is its IPv4 address), an IPv6 address as its /64.
#[must_use]
pub fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

/// Client networks the limiter remembers at most; the quietest are forgotten first.
const MAX_CLIENTS: usize = 8192;

/// Why a request was held back, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// How long until it may be tried again.
    pub wait: Duration,
    /// The shared cap of all networks together held it back, not its own network's budget.
    pub everyone: bool,
}

/// A token bucket per client network, and one shared by all of them.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: HashMap<IpAddr, (f64, Instant)>,
    shared: Option<(f64, Instant)>,
    /// When the buckets were last swept for full ones (at most once a second while the map
    /// is full: a sweep reads every bucket).
    swept: Option<Instant>,
}

fn seconds(value: f64) -> Duration {
    Duration::try_from_secs_f64(value).unwrap_or(Duration::MAX)
}

impl RateLimiter {
    /// A limiter that has seen no one yet.
    #[must_use]
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: HashMap::new(),
            shared: None,
            swept: None,
        }
    }

    /// Takes one request from `client`'s network's bucket and from the shared one, or says how
    /// long until it may try again. A request held back takes nothing from either.
    pub fn take(&mut self, client: IpAddr, now: Instant) -> Result<(), Limited> {
        let key = network(client);
        let burst = f64::from(self.limit.burst.max(1));
        let refill = self.limit.refill.as_secs_f64().max(1e-3);
        if self.buckets.len() >= MAX_CLIENTS && !self.buckets.contains_key(&key) {
            if self
                .swept
                .is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1))
            {
                self.swept = Some(now);
                self.forget_full_buckets(now, burst, refill);
            }
            // Every remembered network is still being held back: a new one is too, rather than
            // pushing one out (which would give it a fresh burst) — a flood from more networks
            // than are remembered cannot rotate its way past the limit.
            if self.buckets.len() >= MAX_CLIENTS {
                return Err(Limited {
                    wait: Duration::from_secs(1),
                    everyone: false,
                });
            }
        }
        let (tokens, last) = self.buckets.entry(key).or_insert((burst, now));
        let mine =
            (*tokens + now.saturating_duration_since(*last).as_secs_f64() / refill).min(burst);
        *tokens = mine;
        *last = now;
        if mine < 1.0 {
            return Err(Limited {
                wait: seconds((1.0 - mine) * refill),
                everyone: false,
            });
        }
        if self.limit.global_per_minute > 0 {
            let capacity = f64::from(self.limit.global_per_minute);
            let interval = 60.0 / capacity;
            let (shared, since) = self.shared.get_or_insert((capacity, now));
            let everyone = (*shared
                + now.saturating_duration_since(*since).as_secs_f64() / interval)
                .min(capacity);
            *shared = everyone;
            *since = now;
            if everyone < 1.0 {
                return Err(Limited {
                    wait: seconds((1.0 - everyone) * interval),
                    everyone: true,
                });
            }
            *shared = everyone - 1.0;
        }
        *tokens = mine - 1.0;
        Ok(())
    }

    fn forget_full_buckets(&mut self, now: Instant, burst: f64, refill: f64) {
        self.buckets.retain(|_, (tokens, last)| {
            *tokens + now.saturating_duration_since(*last).as_secs_f64() / refill < burst
        });
    }
}

/// How long a form page's token stays good.
pub const TOKEN_LIFETIME: Duration = Duration::from_hours(2);
/// Bytes of a token: when it was issued (seconds, big-endian), a random nonce, the HMAC.
const ISSUED_BYTES: usize = 8;
const NONCE_BYTES: usize = 16;
const TAG_BYTES: usize = 32;
const TOKEN_BYTES: usize = ISSUED_BYTES + NONCE_BYTES + TAG_BYTES;
/// Used nonces remembered at most. Only accepted posts add one, and posts are rate limited
/// (by default 120 a minute from everyone, so at most 14,400 within a token's lifetime): this
/// bound is never reached unless the limits are lifted.
const MAX_USED: usize = 65_536;
/// How often (seconds) used nonces older than a token's lifetime are dropped.
const SWEEP_EVERY: u64 = 60;

type HmacSha256 = Hmac<Sha256>;

/// One-use tokens that each served form carries, so a post without one this server handed out
/// (a cross-site form, a replayed request) is refused.
///
/// A token is signed, not stored: hex of `issued || nonce || HMAC-SHA-256(key, issued || nonce)`
/// with a random key per server, good for [`TOKEN_LIFETIME`]. Serving a page stores nothing, so
/// no number of page loads can push a visitor's token out. Only a redeemed token's nonce is
/// remembered (until the token would have expired anyway), so each works once.
pub struct FormTokens {
    key: [u8; 32],
    started: Instant,
    used: HashMap<[u8; NONCE_BYTES], u64>,
    next_sweep: u64,
}

impl fmt::Debug for FormTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("FormTokens")
            .field("used", &self.used.len())
            .finish_non_exhaustive()
    }
}

impl Default for FormTokens {
    /// Tokens signed with a fresh random key, their times counted from now.
    fn default() -> Self {
        Self::with_key(rand::random(), Instant::now())
    }
}

impl FormTokens {
    /// Tokens signed with `key`, their times counted from `started`.
    #[must_use]
    pub fn with_key(key: [u8; 32], started: Instant) -> Self {
        Self {
            key,
            started,
            used: HashMap::new(),
            next_sweep: 0,
        }
    }

    /// The MAC, keyed (HMAC takes a key of any length: this never fails).
    fn mac(&self) -> Option<HmacSha256> {
        <HmacSha256 as KeyInit>::new_from_slice(&self.key).ok()
    }

    fn secs(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.started).as_secs()
    }

    /// A fresh token for a page served at `now`. Stores nothing.
    #[must_use]
    pub fn issue(&self, now: Instant) -> String {
        let issued = self.secs(now).to_be_bytes();
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let Some(mac) = self.mac() else {
            // Unreachable; an empty token is simply refused when posted.
            return String::new();
        };
        let tag = mac
            .chain_update(issued)
            .chain_update(nonce)
            .finalize()
            .into_bytes();
        let bytes: Vec<u8> = issued
            .iter()
            .chain(&nonce)
            .chain(tag.iter())
            .copied()
            .collect();
        to_hex(&bytes)
    }

    /// The issue time and nonce of `token`, if this server signed it and it is still fresh
    /// (whether it was used is not looked at). The signature is compared in constant time.
    fn check(&self, token: &str, now: Instant) -> Option<(u64, [u8; NONCE_BYTES])> {
        let bytes = from_hex::<TOKEN_BYTES>(token.trim())?;
        let (issued, rest) = bytes.split_at(ISSUED_BYTES);
        let (nonce, tag) = rest.split_at(NONCE_BYTES);
        self.mac()?
            .chain_update(issued)
            .chain_update(nonce)
            .verify_slice(tag)
            .ok()?;
        let issued = u64::from_be_bytes(issued.try_into().ok()?);
        // A token "from the future" cannot be signed here; refuse it all the same.
        let age = self.secs(now).checked_sub(issued)?;
        if age >= TOKEN_LIFETIME.as_secs() {
            return None;
        }
        Some((issued, nonce.try_into().ok()?))
    }

    /// Uses up `token`: true if this server signed it, it is still fresh, and it was not used
    /// before.
    pub fn redeem(&mut self, token: &str, now: Instant) -> bool {
        let Some((issued, nonce)) = self.check(token, now) else {
            return false;
        };
        self.sweep(self.secs(now));
        if self.used.contains_key(&nonce) {
            return false;
        }
        if self.used.len() >= MAX_USED {
            // Only with the post limits lifted: forget the token closest to expiring.
            if let Some(oldest) = self
                .used
                .iter()
                .min_by_key(|(_, issued)| **issued)
                .map(|(nonce, _)| *nonce)
            {
                self.used.remove(&oldest);
            }
        }
        match self.used.entry(nonce) {
            Entry::Occupied(_) => false,
            Entry::Vacant(slot) => {
                slot.insert(issued);
                true
            }
        }
    }

    /// Drops used nonces whose tokens have expired (they are refused as stale anyway).
    fn sweep(&mut self, now_secs: u64) {
        if now_secs < self.next_sweep {
            return;
        }
        let lifetime = TOKEN_LIFETIME.as_secs();
        self.used
            .retain(|_, issued| now_secs.saturating_sub(*issued) < lifetime);
        self.next_sweep = now_secs + SWEEP_EVERY;
    }
}

/// The host names the form is served under, as a browser writes them in `Host` and `Origin`:
/// `host:port`, or `host` alone on the scheme's default port. A request naming any other host
/// (a DNS-rebinding page whose name now points at the kiosk) is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts(HashSet<String>);

fn normalise(authority: &str) -> String {
    authority.trim().to_ascii_lowercase()
}

impl AllowedHosts {
    /// These hosts (compared without regard to case or surrounding spaces).
    #[must_use]
    pub fn new<I, S>(hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self(
            hosts
                .into_iter()
                .map(|host| normalise(host.as_ref()))
                .filter(|host| !host.is_empty())
                .collect(),
        )
    }

    /// Whether `authority` (a `Host` value, or an origin without its scheme) is one of them.
    #[must_use]
    pub fn allows(&self, authority: &str) -> bool {
        self.0.contains(&normalise(authority))
    }
}

/// Why a post is refused as not coming from this site's own page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrossSite {
    /// The browser says the request came from another site.
    FetchSite(String),
    /// `Origin` names a host the form is not served under (or is the opaque `null`).
    Origin(String),
}

/// Checks the browser's own word on where a post came from: `Origin` must name one of the
/// `allowed` hosts (never merely the request's own `Host`, which a rebinding page controls).
/// Absent headers pass (old browsers, scripts); the form token is then the defence.
pub fn same_origin(
    allowed: &AllowedHosts,
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
        let trimmed = origin.trim();
        let authority = trimmed
            .strip_prefix("http://")
            .or_else(|| trimmed.strip_prefix("https://"));
        if !authority.is_some_and(|authority| allowed.allows(authority)) {
            return Err(CrossSite::Origin(origin.to_owned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posts(burst: u32, refill: Duration, global_per_minute: u32) -> RateLimit {
        RateLimit {
            burst,
            refill,
            global_per_minute,
        }
    }

    #[test]
    fn bucket_allows_burst_then_refills() {
        let mut limiter = RateLimiter::new(posts(3, Duration::from_secs(10), 0));
        let ip: IpAddr = "192.168.1.20".parse().unwrap();
        let other: IpAddr = "192.168.1.21".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take(ip, t0).is_ok());
        }
        let limited = limiter.take(ip, t0).unwrap_err();
        assert!(!limited.everyone);
        assert!(limited.wait > Duration::from_secs(9) && limited.wait <= Duration::from_secs(10));
        assert!(limiter.take(other, t0).is_ok(), "limits are per client");
        assert!(limiter.take(ip, t0 + Duration::from_secs(10)).is_ok());
        assert!(limiter.take(ip, t0 + Duration::from_secs(11)).is_err());
    }

    /// Fails on the code before: buckets were keyed by the exact address, so every address of a
    /// /64 (or the IPv4-mapped form of an IPv4 address) got a fresh burst.
    #[test]
    fn ipv6_is_keyed_by_its_64_and_mapped_ipv4_as_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(network(ip("2001:db8::1")), network(ip("2001:db8::ffff")));
        assert_eq!(network(ip("2001:db8::1")), ip("2001:db8::"));
        assert_ne!(network(ip("2001:db8::1")), network(ip("2001:db8:0:1::1")));
        assert_eq!(network(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(network(ip("192.0.2.1")), ip("192.0.2.1"));

        let mut limiter = RateLimiter::new(posts(1, Duration::from_hours(1), 0));
        let t0 = Instant::now();
        assert!(limiter.take(ip("2001:db8::1"), t0).is_ok());
        assert!(
            limiter.take(ip("2001:db8::ffff"), t0).is_err(),
            "another address in the same /64 shares the bucket"
        );
        assert!(
            limiter.take(ip("2001:db8:0:1::1"), t0).is_ok(),
            "the next /64 is another network"
        );
        assert!(limiter.take(ip("192.0.2.1"), t0).is_ok());
        assert!(
            limiter.take(ip("::ffff:192.0.2.1"), t0).is_err(),
            "an IPv4-mapped address is its IPv4 address"
        );
    }

    /// Fails on the code before: there was no shared cap, so each new network got its full burst.
    #[test]
    fn global_cap_holds_across_networks() {
        let mut limiter = RateLimiter::new(posts(100, Duration::from_secs(1), 3));
        let t0 = Instant::now();
        for i in 1..=3u8 {
            assert!(limiter.take(IpAddr::from([198, 51, 100, i]), t0).is_ok());
        }
        let limited = limiter
            .take(IpAddr::from([203, 0, 113, 9]), t0)
            .unwrap_err();
        assert!(
            limited.everyone,
            "a fresh network is held back by the shared cap"
        );
        assert!(limited.wait > Duration::from_secs(19) && limited.wait <= Duration::from_secs(20));
        // One post refills every 20 s (3 a minute).
        assert!(
            limiter
                .take(IpAddr::from([203, 0, 113, 9]), t0 + Duration::from_secs(20))
                .is_ok()
        );
        assert!(
            limiter
                .take(
                    IpAddr::from([203, 0, 113, 10]),
                    t0 + Duration::from_secs(20)
                )
                .is_err()
        );
        // A network over its own budget takes nothing from the shared one.
        let mut limiter = RateLimiter::new(posts(1, Duration::from_hours(1), 2));
        let busy = IpAddr::from([198, 51, 100, 1]);
        assert!(limiter.take(busy, t0).is_ok());
        for _ in 0..10 {
            assert!(!limiter.take(busy, t0).unwrap_err().everyone);
        }
        assert!(limiter.take(IpAddr::from([198, 51, 100, 2]), t0).is_ok());
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

    /// Fails on the old code, which pushed the longest-waiting network out to make room for a new
    /// one: a flood from more networks than are remembered then found every network fresh again.
    #[test]
    fn a_flood_from_more_networks_than_remembered_cannot_rotate_past_the_limit() {
        let limit = RateLimit {
            burst: 1,
            refill: Duration::from_mins(1),
            global_per_minute: 0,
        };
        let mut limiter = RateLimiter::new(limit);
        let now = Instant::now();
        let net = |i: u32| IpAddr::from((i + 1).to_be_bytes());
        // Each network spends its one request: all remembered, all held back.
        for i in 0..MAX_CLIENTS as u32 {
            assert!(limiter.take(net(i), now).is_ok());
        }
        // The flood goes on from new networks, then comes back round to the first ones.
        for i in MAX_CLIENTS as u32..MAX_CLIENTS as u32 + 100 {
            assert!(
                limiter.take(net(i), now).is_err(),
                "a new network at capacity"
            );
        }
        for i in 0..100 {
            assert!(
                limiter.take(net(i), now).is_err(),
                "network {i} came back with a fresh burst"
            );
        }
        // A minute later the buckets are full again: room for newcomers.
        let later = now + Duration::from_mins(1);
        assert!(limiter.take(net(MAX_CLIENTS as u32 + 5000), later).is_ok());
    }

    #[test]
    fn tokens_are_signed_one_use_and_expire() {
        let t0 = Instant::now();
        let mut tokens = FormTokens::with_key([7; 32], t0);
        let token = tokens.issue(t0);
        assert_eq!(token.len(), 2 * TOKEN_BYTES);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!tokens.redeem("not-a-token", t0));
        assert!(!tokens.redeem("", t0));
        assert!(tokens.redeem(&token, t0));
        assert!(!tokens.redeem(&token, t0), "a token works once");
        let late = tokens.issue(t0);
        assert!(!tokens.redeem(&late, t0 + TOKEN_LIFETIME));
        let fresh = tokens.issue(t0);
        let almost = TOKEN_LIFETIME.saturating_sub(Duration::from_secs(2));
        assert!(tokens.redeem(&fresh, t0 + almost));
    }

    #[test]
    fn tokens_cannot_be_forged() {
        let t0 = Instant::now();
        let mut tokens = FormTokens::with_key([1; 32], t0);
        let token = tokens.issue(t0);
        // One digit of the signature changed.
        let mut forged = token.clone().into_bytes();
        let last = forged.len() - 1;
        forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
        assert!(!tokens.redeem(&String::from_utf8(forged).unwrap(), t0));
        // Another issue time with the nonce and signature kept (to stretch its life).
        let redated = format!("{:016x}{}", 5u64, &token[16..]);
        assert_ne!(redated, token);
        assert!(!tokens.redeem(&redated, t0 + Duration::from_secs(10)));
        // Another server's token (another key).
        let other = FormTokens::with_key([2; 32], t0);
        assert!(!tokens.redeem(&other.issue(t0), t0));
        assert!(tokens.redeem(&token, t0));
    }

    /// Fails on the code before: each issued token was stored in a 4,096-entry map that dropped
    /// the oldest, so 10,000 page loads pushed the visitor's token out.
    #[test]
    fn issuing_stores_nothing() {
        let t0 = Instant::now();
        let mut tokens = FormTokens::with_key([3; 32], t0);
        let visitor = tokens.issue(t0);
        for _ in 0..10_000 {
            let _ = tokens.issue(t0);
        }
        assert!(tokens.used.is_empty());
        assert!(
            tokens.redeem(&visitor, t0),
            "no flood of pages pushes a token out"
        );
    }

    #[test]
    fn used_nonces_are_forgotten_once_their_tokens_expire() {
        let t0 = Instant::now();
        let mut tokens = FormTokens::with_key([4; 32], t0);
        let first = tokens.issue(t0);
        assert!(tokens.redeem(&first, t0));
        assert_eq!(tokens.used.len(), 1);
        let later = t0 + TOKEN_LIFETIME + Duration::from_secs(SWEEP_EVERY + 1);
        let second = tokens.issue(later);
        assert!(tokens.redeem(&second, later));
        assert_eq!(tokens.used.len(), 1, "the expired one was dropped");
        assert!(!tokens.redeem(&first, later), "and is refused as stale");
    }

    #[test]
    fn origin_checks() {
        let allowed = AllowedHosts::new(["192.168.1.5:8080", "Dreams.Example"]);
        assert!(allowed.allows("192.168.1.5:8080"));
        assert!(allowed.allows("dreams.example"));
        assert!(!allowed.allows("evil.test"));
        assert!(same_origin(&allowed, None, None).is_ok());
        assert!(
            same_origin(
                &allowed,
                Some("http://192.168.1.5:8080"),
                Some("same-origin")
            )
            .is_ok()
        );
        assert!(same_origin(&allowed, Some("https://dreams.example"), None).is_ok());
        assert!(same_origin(&allowed, None, Some("none")).is_ok());
        assert_eq!(
            same_origin(&allowed, None, Some("cross-site")),
            Err(CrossSite::FetchSite("cross-site".into()))
        );
        assert!(same_origin(&allowed, None, Some("same-site")).is_err());
        assert!(same_origin(&allowed, Some("http://evil.example"), None).is_err());
        assert!(same_origin(&allowed, Some("null"), None).is_err());
        assert!(same_origin(&allowed, Some("http://192.168.1.5:9090"), None).is_err());
        // A rebinding page: its Origin and Host agree, but neither is allowed.
        assert!(same_origin(&allowed, Some("http://evil.test"), Some("same-origin")).is_err());
    }
}
