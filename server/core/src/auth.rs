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
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A readable random password for the first admin.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}

/// Fixed-window counters per key ("login:ip:1.2.3.4", "login:user:0912…").
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            windows: Mutex::new(HashMap::new()),
        }
    }
}

impl RateLimiter {
    /// Counts one event for `key` and says whether it is within `max` per `window`.
    pub fn allow(&self, key: &str, max: u32, window: Duration) -> bool {
        let now = Instant::now();
        let mut map = self.windows.lock().expect("rate limiter lock");
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= max
    }

    pub fn reset(&self, key: &str) {
        self.windows.lock().expect("rate limiter lock").remove(key);
    }
}

pub use crate::text::normalize_login;

#[cfg(test)]
mod tests {
    use super::*;

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
