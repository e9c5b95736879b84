//! The signature a webhook receiver checks: HMAC-SHA256 over `timestamp + "." + raw body`.
//!
//! The receiver recomputes the HMAC with the shared secret over the timestamp header, a dot
//! and the exact bytes of the body, compares it with the signature header in constant time,
//! and refuses timestamps far from its own clock so that a captured request cannot be
//! replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header with the Unix time in seconds at which the request was signed.
pub const TIMESTAMP_HEADER: &str = "X-Gateway-Timestamp";

/// The header with the signature, `sha256=<lower-case hex>`.
pub const SIGNATURE_HEADER: &str = "X-Gateway-Signature";

/// The header with the delivery's id; a receiver drops a request whose key it has seen.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// The signature header's value for `body` signed at `timestamp` with `secret`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret, timestamp, body)))
}

/// Whether `signature` (the header's value) is the signature of `body` at `timestamp`.
pub fn verify(secret: &[u8], timestamp: i64, body: &[u8], signature: &str) -> bool {
    let Some(hex_part) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex_part) else {
        return false;
    };
    let mut check = keyed(secret);
    feed(&mut check, timestamp, body);
    check.verify_slice(&given).is_ok()
}

fn keyed(secret: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("hmac takes a key of any length")
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = keyed(secret);
    feed(&mut mac, timestamp, body);
    mac.finalize().into_bytes().to_vec()
}

fn feed(mac: &mut Hmac<Sha256>, timestamp: i64, body: &[u8]) {
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_body_does_not() {
        let signature = sign(b"secret", 1_790_000_000, br#"{"case":"1"}"#);
        assert!(signature.starts_with("sha256="));
        assert_eq!(signature.len(), "sha256=".len() + 64);
        assert!(verify(
            b"secret",
            1_790_000_000,
            br#"{"case":"1"}"#,
            &signature
        ));
        assert!(!verify(
            b"secret",
            1_790_000_000,
            br#"{"case":"2"}"#,
            &signature
        ));
        assert!(!verify(
            b"secret",
            1_790_000_001,
            br#"{"case":"1"}"#,
            &signature
        ));
        assert!(!verify(
            b"other",
            1_790_000_000,
            br#"{"case":"1"}"#,
            &signature
        ));
        assert!(!verify(
            b"secret",
            1_790_000_000,
            br#"{"case":"1"}"#,
            "md5=00"
        ));
    }
}
