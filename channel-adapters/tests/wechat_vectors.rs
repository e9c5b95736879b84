//! Every WeChat crypto vector in `fixtures/wechat/crypto_test_vectors.json`, plus the pad-22
//! vector of the protocol notes: signatures, decryption, encryption, refusals.

mod support;

use channel_adapters::wechat::WechatCrypto;
use channel_adapters::wechat::crypto::signature;
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let path = support::fixtures().join("wechat/crypto_test_vectors.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("vectors are json")
}

fn s<'a>(vector: &'a Value, key: &str) -> &'a str {
    vector[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector lacks {key}: {vector}"))
}

fn receive_id(vector: &Value) -> &str {
    vector["appid"]
        .as_str()
        .or(vector["receive_id"].as_str())
        .expect("vector names its id")
}

fn random16(text: &str) -> [u8; 16] {
    text.as_bytes()
        .try_into()
        .expect("random prefix is 16 ascii bytes")
}

#[test]
fn every_vector_in_the_fixture_file_holds() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 5, "the fixture file has five vectors");
    let mut checked = 0;
    for vector in &vectors {
        let token = s(vector, "token");
        let crypto = WechatCrypto::new(s(vector, "encoding_aes_key"), receive_id(vector)).unwrap();
        let timestamp = s(vector, "timestamp");
        let nonce = s(vector, "nonce");
        let ciphertext = vector["encrypt"]
            .as_str()
            .or(vector["echostr"].as_str())
            .unwrap();

        // The signature over token, timestamp, nonce and ciphertext.
        let expected_sig = vector["msg_signature"]
            .as_str()
            .or(vector["msg_signature_computed"].as_str())
            .unwrap();
        assert_eq!(
            signature(&[token, timestamp, nonce, ciphertext]),
            expected_sig,
            "signature of {vector}"
        );

        // Decryption, down to the pad and the random prefix.
        let decrypted = crypto
            .decrypt(ciphertext)
            .unwrap_or_else(|e| panic!("decrypt {vector}: {e}"));
        if let Some(expected) = vector.get("decrypted") {
            assert_eq!(decrypted.msg, s(expected, "msg"));
            assert_eq!(decrypted.receive_id, s(expected, "receive_id"));
            assert_eq!(decrypted.random, random16(s(expected, "random16")));
            assert_eq!(u64::from(decrypted.pad), expected["pad"].as_u64().unwrap());
            assert_eq!(
                decrypted.msg.len() as u64,
                expected["msg_len"].as_u64().unwrap()
            );
        }

        // Encryption with the same random prefix gives the same bytes.
        if let Some(plaintext) = vector["plaintext"].as_str() {
            assert_eq!(decrypted.msg, plaintext);
            let again = crypto.encrypt(random16(s(vector, "random16")), plaintext);
            assert_eq!(again, ciphertext, "re-encryption of {vector}");
        }

        // A nonce off by one and a flipped signature character are refused.
        let wrong_nonce = format!("{}x", nonce);
        assert_ne!(
            signature(&[token, timestamp, &wrong_nonce, ciphertext]),
            expected_sig
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn the_official_sample_derives_the_plain_signature() {
    let vector = &vectors()[0];
    assert_eq!(
        signature(&[
            s(vector, "token"),
            s(vector, "timestamp"),
            s(vector, "nonce")
        ]),
        "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"
    );
}

#[test]
fn the_wecom_url_check_fails_with_a_nonce_off_by_one() {
    let vector = vectors()
        .into_iter()
        .find(|v| v.get("echostr").is_some())
        .unwrap();
    let good = signature(&[
        s(&vector, "token"),
        s(&vector, "timestamp"),
        "437374425",
        s(&vector, "echostr"),
    ]);
    let bad = signature(&[
        s(&vector, "token"),
        s(&vector, "timestamp"),
        "437374424",
        s(&vector, "echostr"),
    ]);
    assert_eq!(good, s(&vector, "msg_signature"));
    assert_ne!(bad, s(&vector, "msg_signature"));
}

/// Vector B of the protocol notes: pad 22, which a 16-byte unpadder would refuse.
const VECTOR_B_ENCRYPT: &str = "QCTqNwyPmqRu4xuyqVsjayX89507dnRqLjXVvgx/qOoWeIuCoWANWzhXa1VUweA/QQ509E1RFmXUxlh4hkc+5Ajm1kEpsYvQnq42IFtYTLdKF7gkf0WQDXDiIxHDL1UupuXdEOVIvgPjCHvf60eIrQv8OZrTUTQ5UPFEgElbxONJ6ZDYsCwGrT1uuMo7yl8XRpqO1qiiV+19cUHHux3MOlGmmb+TaXvvpNPqZGXiEpUf2ljSiooTzhz/HkmlPpw2e78HHQuSxRVNtoq8EybbPnXyG4m8W94ETthjtfTSNa+wa0+3RhAEIRaEpv9NTonUW13YG2wFP5vfSkDF15+RgNojMiyYRGkm7uUtL5VdO+1oO0H8YXb7ipVoQDKOcz0n";
const VECTOR_B_MSG: &str = "<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_10f6c3c3ac5a]]></FromUserName><CreateTime>1409735669</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[您好，已受理]]></Content></xml>";

#[test]
fn a_pad_of_22_decrypts_and_encrypts() {
    let crypto = WechatCrypto::new(
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "wx2c2769f8efd9abc2",
    )
    .unwrap();
    let decrypted = crypto.decrypt(VECTOR_B_ENCRYPT).unwrap();
    assert_eq!(decrypted.pad, 22);
    assert_eq!(decrypted.msg, VECTOR_B_MSG);
    assert_eq!(decrypted.msg.len(), 228);
    assert_eq!(
        crypto.encrypt(*b"1234567890123456", VECTOR_B_MSG),
        VECTOR_B_ENCRYPT
    );
    assert_eq!(
        signature(&["spamtest", "1409735669", "1320562132", VECTOR_B_ENCRYPT]),
        "2bde60bdef52a452a95263b36f908d75577bb54e"
    );
}

#[test]
fn a_message_for_another_app_id_is_refused_with_both_ids() {
    let vector = &vectors()[0];
    let crypto = WechatCrypto::new(s(vector, "encoding_aes_key"), "wx0000000000000000").unwrap();
    let error = crypto.decrypt(s(vector, "encrypt")).unwrap_err();
    assert_eq!(error.status(), 403);
    let message = error.to_string();
    assert!(
        message.contains("wx2c2769f8efd9abc2") && message.contains("wx0000000000000000"),
        "{message}"
    );
}

#[test]
fn a_wrong_key_or_damaged_ciphertext_is_refused_not_panicked() {
    let vector = &vectors()[0];
    let wrong_key = WechatCrypto::new(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg",
        receive_id(vector),
    )
    .unwrap();
    assert!(wrong_key.decrypt(s(vector, "encrypt")).is_err());
    let right_key = WechatCrypto::new(s(vector, "encoding_aes_key"), receive_id(vector)).unwrap();
    for damaged in ["", "not base64!", "AAAA", &s(vector, "encrypt")[..100]] {
        let error = right_key.decrypt(damaged).unwrap_err();
        assert_eq!(error.status(), 400, "{damaged:?}: {error}");
    }
}
