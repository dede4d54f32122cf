//! The Standard Webhooks wire format: secrets (`whsec_` and the base64 of
//! the key), and the signature of a delivery — the base64 of
//! HMAC-SHA256(key, "{id}.{timestamp}.{body}"), as `v1,<signature>`,
//! space-separated when two secrets sign.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::auth::token::random_bytes;
use crate::feed::hmac_sha256;

/// The prefix of webhook secrets.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> anyhow::Result<String> {
    Ok(format!(
        "{SECRET_PREFIX}{}",
        STANDARD.encode(random_bytes(32)?)
    ))
}

/// The key bytes of a secret, or `None` when it is not one.
fn key_of(secret: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .ok()
}

/// The `webhook-signature` header of a delivery: one `v1,…` per secret.
pub fn signature(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut content = format!("{id}.{timestamp}.").into_bytes();
    content.extend_from_slice(body);
    secrets
        .iter()
        .filter_map(|secret| key_of(secret))
        .map(|key| format!("v1,{}", STANDARD.encode(hmac_sha256(&key, &content))))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the Standard Webhooks specification's libraries.
    #[test]
    fn the_specification_test_vector_passes() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&[secret], id, 1_614_265_330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn two_secrets_sign_side_by_side() {
        let (old, new) = (new_secret().unwrap(), new_secret().unwrap());
        assert!(old.starts_with(SECRET_PREFIX));
        assert_eq!(
            STANDARD.decode(&old[SECRET_PREFIX.len()..]).unwrap().len(),
            32
        );
        let both = signature(&[&new, &old], "id", 1, b"{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(
            parts,
            [
                signature(&[&new], "id", 1, b"{}"),
                signature(&[&old], "id", 1, b"{}")
            ]
        );
    }
}
