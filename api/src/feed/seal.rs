//! Opaque, tamper-evident tokens: a value as JSON, then an HMAC-SHA256 tag
//! over it, both base64url. A client can keep and send one back, but not
//! make or change one: anything else is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

/// Bytes of the tag kept (128 bits).
const TAG_BYTES: usize = 16;

/// Seals and opens tokens with a key derived from a server secret.
#[derive(Clone)]
pub struct Sealer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer whose key is derived from `secret` for `purpose`, so the
    /// same secret yields unrelated keys for different uses.
    pub fn new(secret: &[u8], purpose: &str) -> Self {
        Self {
            key: hmac_sha256(secret, purpose.as_bytes()).to_vec(),
        }
    }

    /// The token of `value`.
    pub fn seal<T: Serialize>(&self, value: &T) -> String {
        // A value made of plain fields always serialises.
        let json = serde_json::to_vec(value).unwrap_or_default();
        let tag = hmac_sha256(&self.key, &json);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES])
        )
    }

    /// The value of a token this sealer made; `None` for anything else.
    pub fn open<T: DeserializeOwned>(&self, token: &str) -> Option<T> {
        let (body, tag) = token.split_once('.')?;
        let json = URL_SAFE_NO_PAD.decode(body).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != TAG_BYTES {
            return None;
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(&json);
        // Compared in constant time.
        mac.verify_truncated_left(&tag).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_and_altered_ones_do_not() {
        let sealer = Sealer::new(b"a server secret", "cursor");
        let token = sealer.seal(&(7_i64, "articles"));
        assert_eq!(
            sealer.open::<(i64, String)>(&token),
            Some((7, "articles".to_owned()))
        );

        let other = Sealer::new(b"another secret", "cursor");
        assert_eq!(other.open::<(i64, String)>(&token), None);
        let purpose = Sealer::new(b"a server secret", "another use");
        assert_eq!(purpose.open::<(i64, String)>(&token), None);

        let (body, tag) = token.split_once('.').unwrap();
        let forged_body = URL_SAFE_NO_PAD.encode(br#"[1,"articles"]"#);
        for forged in [
            format!("{forged_body}.{tag}"),
            format!("{body}.{}", &tag[..tag.len() - 2]),
            format!("{body}."),
            body.to_owned(),
            "garbage".to_owned(),
            String::new(),
        ] {
            assert_eq!(sealer.open::<(i64, String)>(&forged), None, "{forged}");
        }
    }
}
