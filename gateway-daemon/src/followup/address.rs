//! Where a citizen is answered: the channel they used, or a phone for calls.

use gateway_core::{Appeal, Channel, mask};
use serde::{Deserialize, Serialize};

/// A way to reach the citizen of an appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum CitizenAddress {
    /// An SMS to this phone number.
    Sms {
        /// The number as the channel gave it.
        phone: String,
    },
    /// A customer-service message to a follower of an Official Account.
    Wechat {
        /// The account's name in the config.
        account: String,
        /// The follower's OpenID.
        openid: String,
    },
    /// An email to this address.
    Email {
        /// The address.
        address: String,
    },
}

impl CitizenAddress {
    /// The address a survey for this appeal goes to: the channel the citizen used when it
    /// can carry an answer; a phone number otherwise (calls, web forms with a phone); an
    /// email address last. `wechat_account` names the account a WeChat follower wrote to.
    /// `None` for an anonymous appeal, which is not followed up.
    pub fn for_appeal(appeal: &Appeal, wechat_account: Option<&str>) -> Option<CitizenAddress> {
        let citizen = &appeal.citizen;
        let phone = || {
            citizen
                .phone
                .as_ref()
                .filter(|p| !p.trim().is_empty())
                .map(|phone| CitizenAddress::Sms {
                    phone: phone.clone(),
                })
        };
        let email = || {
            citizen
                .email
                .as_ref()
                .filter(|e| e.contains('@'))
                .map(|address| CitizenAddress::Email {
                    address: address.clone(),
                })
        };
        match appeal.channel {
            Channel::Wechat => match (&citizen.wechat_openid, wechat_account) {
                (Some(openid), Some(account)) => Some(CitizenAddress::Wechat {
                    account: account.to_string(),
                    openid: openid.clone(),
                }),
                _ => phone().or_else(email),
            },
            Channel::Email => email().or_else(phone),
            Channel::Sms | Channel::Phone | Channel::WebForm | Channel::Platform => {
                phone().or_else(email)
            }
        }
    }

    /// The key under which a reply from this citizen finds the survey: the channel and the
    /// sender as the channel names them.
    pub fn contact_key(&self) -> String {
        match self {
            CitizenAddress::Sms { phone } => sms_key(phone),
            CitizenAddress::Wechat { openid, .. } => wechat_key(openid),
            CitizenAddress::Email { address } => format!("email:{}", address.to_lowercase()),
        }
    }

    /// `sms`, `wechat` or `email`.
    pub fn kind(&self) -> &'static str {
        match self {
            CitizenAddress::Sms { .. } => "sms",
            CitizenAddress::Wechat { .. } => "wechat",
            CitizenAddress::Email { .. } => "email",
        }
    }

    /// The address masked for logs.
    pub fn masked(&self) -> String {
        match self {
            CitizenAddress::Sms { phone } => format!("sms:{}", mask::phone(phone)),
            CitizenAddress::Wechat { account, openid } => {
                format!("wechat:{account}:{}", mask::opaque(openid))
            }
            CitizenAddress::Email { address } => format!("email:{}", mask::email(address)),
        }
    }
}

/// The contact key of a phone: digits only, without a leading `+86` or `86`, so that
/// `+86 138-0000-0000` and `13800000000` are the same citizen.
pub fn sms_key(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest.to_string(),
        _ => digits,
    };
    format!("sms:{national}")
}

/// The contact key of a WeChat follower.
pub fn wechat_key(openid: &str) -> String {
    format!("wechat:{openid}")
}

/// The contact key a new message from a citizen is looked up under, for the channels whose
/// messages can answer a survey directly (SMS and WeChat; email replies are tied to their
/// case by the email channel's threading).
pub fn reply_key(appeal: &Appeal) -> Option<String> {
    match appeal.channel {
        Channel::Sms => appeal.citizen.phone.as_deref().map(sms_key),
        Channel::Wechat => appeal.citizen.wechat_openid.as_deref().map(wechat_key),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_core::Citizen;

    fn appeal(channel: Channel, citizen: Citizen) -> Appeal {
        Appeal::builder(channel, "m-1", "路灯不亮")
            .citizen(citizen)
            .build()
    }

    #[test]
    fn calls_and_forms_are_asked_by_sms_wechat_by_wechat_email_by_email() {
        let phone = Citizen {
            phone: Some("+8613800000000".into()),
            ..Citizen::default()
        };
        assert_eq!(
            CitizenAddress::for_appeal(&appeal(Channel::Phone, phone.clone()), None),
            Some(CitizenAddress::Sms {
                phone: "+8613800000000".into()
            })
        );
        let follower = Citizen {
            wechat_openid: Some("o-1".into()),
            ..Citizen::default()
        };
        assert_eq!(
            CitizenAddress::for_appeal(&appeal(Channel::Wechat, follower.clone()), Some("wc")),
            Some(CitizenAddress::Wechat {
                account: "wc".into(),
                openid: "o-1".into()
            })
        );
        // Without a sending account for WeChat and no other contact, nobody is asked.
        assert_eq!(
            CitizenAddress::for_appeal(&appeal(Channel::Wechat, follower), None),
            None
        );
        assert_eq!(
            CitizenAddress::for_appeal(&appeal(Channel::WebForm, Citizen::default()), None),
            None
        );
    }

    #[test]
    fn phone_keys_ignore_the_country_code_and_separators() {
        assert_eq!(sms_key("+86 138-0000-0000"), "sms:13800000000");
        assert_eq!(sms_key("13800000000"), "sms:13800000000");
        assert_eq!(sms_key("+15005550006"), "sms:15005550006");
    }
}
