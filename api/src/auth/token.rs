//! Random secrets (refresh tokens, API keys) and their stored digests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "mhr_";
/// Prefix of delivery API keys.
pub const DELIVERY_PREFIX: &str = "mh_delivery_";
/// Prefix of preview API keys.
pub const PREVIEW_PREFIX: &str = "mh_preview_";

/// `bytes` random bytes from the operating system.
pub fn random_bytes(bytes: usize) -> anyhow::Result<Vec<u8>> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
    Ok(buffer)
}

/// A secret: `prefix` followed by 256 random bits in URL-safe base64. The
/// prefix makes leaked secrets recognisable in logs and to secret scanners.
pub fn generate(prefix: &str) -> anyhow::Result<String> {
    Ok(format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(random_bytes(32)?)
    ))
}

/// The stored form of a secret: its SHA-256 in hex. The secrets carry 256
/// random bits, so a fast hash is enough; only the digest is ever stored.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_and_digested() {
        let a = generate(DELIVERY_PREFIX).unwrap();
        let b = generate(DELIVERY_PREFIX).unwrap();
        assert!(a.starts_with("mh_delivery_"));
        assert_eq!(a.len(), DELIVERY_PREFIX.len() + 43);
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 64);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
    }
}
