//! Passwords, session tokens and rate limits.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random token for a session cookie; only its hash is stored, so a copy of
/// the database does not let anyone log in.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Every request hashes its session token: one allocation, not one per byte.
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(2 * digest.len());
    for b in digest {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

/// A readable random password for the first admin.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}

/// Argon2 runs on the blocking pool, at most this many at once; callers
/// beyond that wait for a turn (or are refused, see `hash_turn`).
const HASH_SLOTS: usize = 4;
/// Callers allowed to wait for a hashing slot; a log-in flood past this is
/// refused at once instead of queueing without end.
const HASH_QUEUE: usize = 256;

fn hash_slots() -> &'static tokio::sync::Semaphore {
    static S: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    S.get_or_init(|| tokio::sync::Semaphore::new(HASH_SLOTS))
}

fn waiting() -> &'static std::sync::atomic::AtomicUsize {
    static W: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    &W
}

/// The server is busy hashing: too many log-ins at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// Runs `f` (an Argon2 hash or verification) on the blocking pool once a
/// slot is free, so slow hashing never stalls the async workers.
pub async fn hashing<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    use std::sync::atomic::Ordering;
    if waiting().fetch_add(1, Ordering::SeqCst) >= HASH_QUEUE {
        waiting().fetch_sub(1, Ordering::SeqCst);
        return Err(Busy);
    }
    let permit = hash_slots().acquire().await;
    waiting().fetch_sub(1, Ordering::SeqCst);
    let _permit = permit.map_err(|_| Busy)?;
    tokio::task::spawn_blocking(f).await.map_err(|_| Busy)
}

/// A hash no password matches, verified for unknown logins so they take as
/// long as known ones and timing does not tell which accounts exist.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password(&new_token()))
}

/// Verifies on the blocking pool; `hash` None (unknown login) verifies a
/// dummy hash and answers false.
pub async fn verify_password_async(password: String, hash: Option<String>) -> Result<bool, Busy> {
    hashing(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            let _ = verify_password(&password, dummy_hash());
            false
        }
    })
    .await
}

pub async fn hash_password_async(password: String) -> Result<String, Busy> {
    hashing(move || hash_password(&password)).await
}

/// Fixed-window counters per key ("login:ip:1.2.3.4", "login:user:0912…").
/// Keys are kept as a 64-bit hash (a 2 MB log-in field costs 8 bytes), the
/// table is bounded (past `cap` keys the oldest windows go first) and a
/// timer sweeps windows that ended.
pub struct RateLimiter {
    windows: Mutex<HashMap<u64, (Instant, u32)>>,
    cap: usize,
    seed: u64,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::with_capacity(200_000)
    }
}

/// The longest window any caller uses; swept windows older than this.
pub const LONGEST_WINDOW: Duration = Duration::from_secs(3600);

impl RateLimiter {
    pub fn with_capacity(cap: usize) -> Self {
        RateLimiter {
            windows: Mutex::new(HashMap::new()),
            cap: cap.max(16),
            seed: rand::thread_rng().next_u64(),
        }
    }

    fn key(&self, key: &str) -> u64 {
        // Seeded per process, so keys that collide cannot be chosen from outside.
        let mut h = Sha256::new();
        h.update(self.seed.to_le_bytes());
        h.update(key.as_bytes());
        let d = h.finalize();
        u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
    }

    /// Counts one event for `key` and says whether it is within `max` per `window`.
    pub fn allow(&self, key: &str, max: u32, window: Duration) -> bool {
        let k = self.key(key);
        let now = Instant::now();
        let mut map = self.windows.lock().expect("rate limiter lock");
        if map.len() >= self.cap && !map.contains_key(&k) {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
            if map.len() >= self.cap {
                // Still full of live windows: drop the oldest half.
                let mut starts: Vec<Instant> = map.values().map(|(s, _)| *s).collect();
                starts.sort();
                let cut = starts[starts.len() / 2];
                map.retain(|_, (start, _)| *start > cut);
            }
        }
        let entry = map.entry(k).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= max
    }

    /// Whether `key` has used up its `max` in this window (the next `allow`
    /// would refuse), without counting.
    pub fn exceeded(&self, key: &str, max: u32, window: Duration) -> bool {
        let k = self.key(key);
        let now = Instant::now();
        let map = self.windows.lock().expect("rate limiter lock");
        map.get(&k)
            .is_some_and(|(start, n)| now.duration_since(*start) < window && *n >= max)
    }

    pub fn reset(&self, key: &str) {
        let k = self.key(key);
        self.windows.lock().expect("rate limiter lock").remove(&k);
    }

    /// Drops windows older than the longest window in use; run on a timer.
    pub fn sweep(&self) -> usize {
        let now = Instant::now();
        let mut map = self.windows.lock().expect("rate limiter lock");
        let before = map.len();
        map.retain(|_, (start, _)| now.duration_since(*start) < LONGEST_WINDOW);
        before - map.len()
    }

    pub fn len(&self) -> usize {
        self.windows.lock().expect("rate limiter lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Open sockets per client address, held to a cap: one address cannot hold
/// every connection the server has. An address is in the table only while
/// it has sockets open, so the table is as large as the open sockets.
pub struct SocketGate {
    open: Mutex<HashMap<String, u32>>,
    per_address: u32,
}

/// A socket's place at the gate; given back when dropped.
pub struct SocketTicket {
    gate: std::sync::Arc<SocketGate>,
    address: String,
}

impl SocketGate {
    pub fn new(per_address: u32) -> std::sync::Arc<SocketGate> {
        std::sync::Arc::new(SocketGate {
            open: Mutex::new(HashMap::new()),
            per_address,
        })
    }

    /// A place for one more socket from `address`, unless it has its share.
    pub fn enter(self: &std::sync::Arc<Self>, address: &str) -> Option<SocketTicket> {
        let mut open = self.open.lock().expect("socket gate lock");
        let n = open.entry(address.to_string()).or_insert(0);
        if *n >= self.per_address {
            return None;
        }
        *n += 1;
        Some(SocketTicket {
            gate: self.clone(),
            address: address.to_string(),
        })
    }

    pub fn open_from(&self, address: &str) -> u32 {
        self.open
            .lock()
            .expect("socket gate lock")
            .get(address)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for SocketTicket {
    fn drop(&mut self) {
        let mut open = self.gate.open.lock().expect("socket gate lock");
        if let Some(n) = open.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.address);
            }
        }
    }
}

pub use crate::text::normalize_login;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hash_is_lowercase_hex_sha256() {
        // Stored session hashes must keep matching: FIPS 180-2's "abc" vector.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn password_round_trip() {
        let h = hash_password("mật khẩu dài");
        assert!(verify_password("mật khẩu dài", &h));
        assert!(!verify_password("sai", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn limiter_counts_per_key() {
        let l = RateLimiter::default();
        for _ in 0..3 {
            assert!(l.allow("a", 3, Duration::from_secs(60)));
        }
        assert!(!l.allow("a", 3, Duration::from_secs(60)));
        assert!(l.allow("b", 3, Duration::from_secs(60)));
        assert!(l.exceeded("a", 3, Duration::from_secs(60)));
        assert!(!l.exceeded("b", 3, Duration::from_secs(60)));
    }

    #[test]
    fn limiter_memory_is_bounded_and_keys_hashed() {
        let l = RateLimiter::with_capacity(1000);
        let huge = "x".repeat(64 << 10);
        for i in 0..3_000 {
            l.allow(&format!("{huge}{i}"), 5, Duration::from_secs(60));
        }
        assert!(l.len() <= 1000, "{}", l.len());
        // The newest keys are still counted.
        for _ in 0..5 {
            l.allow("fresh", 5, Duration::from_secs(60));
        }
        assert!(!l.allow("fresh", 5, Duration::from_secs(60)));
    }

    #[test]
    fn socket_gate_caps_each_address_and_forgets_closed_ones() {
        let g = SocketGate::new(2);
        let a1 = g.enter("1.1.1.1").unwrap();
        let _a2 = g.enter("1.1.1.1").unwrap();
        assert!(g.enter("1.1.1.1").is_none());
        let _b = g.enter("2.2.2.2").unwrap();
        drop(a1);
        assert_eq!(g.open_from("1.1.1.1"), 1);
        let _a3 = g.enter("1.1.1.1").unwrap();
        drop(_b);
        assert_eq!(g.open_from("2.2.2.2"), 0);
        assert!(!g.open.lock().unwrap().contains_key("2.2.2.2"));
    }

    #[test]
    fn logins() {
        assert_eq!(normalize_login(" +84 912 345 678 ").unwrap(), "0912345678");
        assert_eq!(
            normalize_login("An.Nguyen@HaNoi.gov.vn").unwrap(),
            "an.nguyen@hanoi.gov.vn"
        );
        assert!(normalize_login("12").is_err());
        assert!(normalize_login("a@b").is_err());
    }
}
