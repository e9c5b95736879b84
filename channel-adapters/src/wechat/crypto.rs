//! WeChat message signatures and the AES-256-CBC scheme of safe mode (安全模式).
//!
//! The same scheme serves Official Accounts (the trailing id is the AppID) and WeCom (the
//! trailing id is the CorpID or suite id). Padding is PKCS#7 to a multiple of **32** bytes,
//! so the pad byte ranges over 1..=32; a stock 16-byte unpadder would refuse about half of
//! all messages, so decryption runs without a padding mode and strips the pad here.

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use sha1::{Digest, Sha1};

use super::error::WechatError;

type Decryptor = cbc::Decryptor<aes::Aes256>;
type Encryptor = cbc::Encryptor<aes::Aes256>;

/// The block WeChat pads to.
const PAD_BLOCK: usize = 32;
/// Random prefix and length field before the message.
const HEADER_BYTES: usize = 20;

/// Base64 that accepts the non-zero trailing bits of an `EncodingAESKey`: its 43rd character
/// carries two bits the 32-byte key does not use, and WeChat does not keep them zero.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The signature WeChat puts on a request: lower-case hex SHA-1 over the parts sorted by
/// byte order and joined with no separator. The URL check signs `[token, timestamp, nonce]`,
/// safe mode adds the `Encrypt` text.
pub fn signature(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// A decrypted message, with the parts of the plaintext a test or an audit may check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The 16 random bytes that open the plaintext.
    pub random: [u8; 16],
    /// The message (XML, or the echo text of a WeCom URL check).
    pub msg: String,
    /// The trailing id: the AppID (or WeCom ReceiveId) the message was encrypted for.
    pub receive_id: String,
    /// The pad length that was stripped, 1..=32.
    pub pad: u8,
}

/// The key of one account and the id that must trail every message.
#[derive(Clone)]
pub struct WechatCrypto {
    key: [u8; 32],
    receive_id: String,
}

impl std::fmt::Debug for WechatCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is a secret: never print it.
        f.debug_struct("WechatCrypto")
            .field("receive_id", &self.receive_id)
            .finish_non_exhaustive()
    }
}

impl WechatCrypto {
    /// The key from the 43-character `EncodingAESKey` and the AppID (or CorpID) it serves.
    pub fn new(encoding_aes_key: &str, receive_id: &str) -> Result<Self, WechatError> {
        let bad = |reason: &str| WechatError::Config {
            reason: format!("encoding_aes_key {reason}; copy the 43 characters from the platform"),
        };
        if encoding_aes_key.len() != 43
            || !encoding_aes_key.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(bad("must be 43 letters and digits"));
        }
        let bytes = LENIENT_BASE64
            .decode(format!("{encoding_aes_key}="))
            .map_err(|_| bad("is not base64"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| bad("does not decode to 32 bytes"))?;
        Ok(Self {
            key,
            receive_id: receive_id.to_string(),
        })
    }

    /// Decrypts the base64 text of an `Encrypt` element (or a WeCom `echostr`) and checks
    /// that it was encrypted for this account.
    pub fn decrypt(&self, encrypted: &str) -> Result<Decrypted, WechatError> {
        let malformed = |problem: &str| WechatError::MalformedField {
            field: "Encrypt",
            problem: problem.to_string(),
        };

        // Base64, then AES-256-CBC with IV = the first 16 bytes of the key, no padding mode.
        let mut buffer = base64::engine::general_purpose::STANDARD
            .decode(encrypted.trim())
            .map_err(|_| malformed("is not base64"))?;
        if buffer.is_empty() || buffer.len() % PAD_BLOCK != 0 {
            return Err(malformed("is not a whole number of 32-byte blocks"));
        }
        let plain = Decryptor::new_from_slices(&self.key, &self.key[..16])
            .map_err(|_| malformed("could not set up the cipher"))?
            .decrypt_padded_mut::<NoPadding>(&mut buffer)
            .map_err(|_| malformed("did not decrypt"))?;

        // PKCS#7 to 32: the last byte says how many to drop, 1..=32.
        let pad = *plain.last().ok_or_else(|| malformed("is empty"))?;
        if !(1..=PAD_BLOCK as u8).contains(&pad) || usize::from(pad) > plain.len() {
            return Err(malformed("has an invalid pad; is encoding_aes_key right?"));
        }
        let unpadded = &plain[..plain.len() - usize::from(pad)];

        // 16 random bytes, a big-endian length, the message, the trailing id.
        if unpadded.len() < HEADER_BYTES {
            return Err(malformed("is shorter than its header"));
        }
        let mut random = [0u8; 16];
        random.copy_from_slice(&unpadded[..16]);
        let mut length = [0u8; 4];
        length.copy_from_slice(&unpadded[16..20]);
        let msg_len = u32::from_be_bytes(length) as usize;
        if msg_len > unpadded.len() - HEADER_BYTES {
            return Err(malformed(
                "declares a message longer than itself; is encoding_aes_key right?",
            ));
        }
        let msg = std::str::from_utf8(&unpadded[HEADER_BYTES..HEADER_BYTES + msg_len])
            .map_err(|_| malformed("holds a message that is not utf-8"))?;
        let receive_id = String::from_utf8_lossy(&unpadded[HEADER_BYTES + msg_len..]).into_owned();
        if receive_id != self.receive_id {
            return Err(WechatError::WrongAccount {
                expected: self.receive_id.clone(),
                found: receive_id,
            });
        }
        Ok(Decrypted {
            random,
            msg: msg.to_string(),
            receive_id,
            pad,
        })
    }

    /// Encrypts a message for this account with the given random prefix; returns the base64
    /// text for an `Encrypt` element.
    pub fn encrypt(&self, random: [u8; 16], msg: &str) -> String {
        // random | length | msg | id, padded to 32 with pad = 32 - len % 32 (32 when aligned).
        let mut plain =
            Vec::with_capacity(HEADER_BYTES + msg.len() + self.receive_id.len() + PAD_BLOCK);
        plain.extend_from_slice(&random);
        let msg_len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
        plain.extend_from_slice(&msg_len.to_be_bytes());
        plain.extend_from_slice(msg.as_bytes());
        plain.extend_from_slice(self.receive_id.as_bytes());
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
        plain.extend(std::iter::repeat_n(pad as u8, pad));

        let length = plain.len();
        let cipher = Encryptor::new_from_slices(&self.key, &self.key[..16])
            .expect("a 32-byte key and a 16-byte iv are the cipher's sizes");
        let encrypted = cipher
            .encrypt_padded_mut::<NoPadding>(&mut plain, length)
            .expect("the plaintext is padded to whole blocks");
        base64::engine::general_purpose::STANDARD.encode(encrypted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_url_check_example_signs() {
        let sig = signature(&["AAAAA", "1714036504", "1514711492"]);
        assert_eq!(sig, "f464b24fc39322e44b38aa78f5edd27bd1441696");
        let sig = signature(&["AAAAA", "1714037059", "486452656"]);
        assert_eq!(sig, "899cf89e464efb63f54ddac96b0a0a235f53aa78");
    }

    #[test]
    fn an_encoding_aes_key_of_wrong_length_is_refused() {
        assert!(WechatCrypto::new("short", "wx1").is_err());
        assert!(WechatCrypto::new(&"a".repeat(43), "wx1").is_ok());
    }

    #[test]
    fn aligned_messages_get_a_whole_block_of_padding() {
        let crypto =
            WechatCrypto::new("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx12").unwrap();
        // 20 header bytes + 8 message bytes + 4 id bytes = 32: aligned, so pad is 32.
        let encrypted = crypto.encrypt([7u8; 16], "12345678");
        let decrypted = crypto.decrypt(&encrypted).unwrap();
        assert_eq!(decrypted.pad, 32);
        assert_eq!(decrypted.msg, "12345678");
    }
}
