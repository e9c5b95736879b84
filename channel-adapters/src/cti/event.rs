//! The call events a CTI request delivers that are not appeals.

use std::fmt;

use chrono::{DateTime, Utc};

/// Which Generic CTI event a request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallEventKind {
    /// `newCall`: the phone rings.
    NewCall,
    /// `answer`: an operator picked up.
    Answer,
    /// `hangup`: the call ended, with a `cause`.
    Hangup,
    /// `record`: the hotline's own event with the operator's summary; makes the appeal.
    Record,
}

impl CallEventKind {
    /// Parses the `event` field as the API spells it.
    pub fn parse(name: &str) -> Option<CallEventKind> {
        match name {
            "newCall" => Some(CallEventKind::NewCall),
            "answer" => Some(CallEventKind::Answer),
            "hangup" => Some(CallEventKind::Hangup),
            "record" => Some(CallEventKind::Record),
            _ => None,
        }
    }

    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CallEventKind::NewCall => "newCall",
            CallEventKind::Answer => "answer",
            CallEventKind::Hangup => "hangup",
            CallEventKind::Record => "record",
        }
    }
}

impl fmt::Display for CallEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `newCall`, `answer` or `hangup` as the PBX sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEvent {
    /// The event.
    pub kind: CallEventKind,
    /// The PBX's id of the call (`callId`).
    pub call_id: String,
    /// The caller (`from`) as sent; `anonymous` when withheld.
    pub from: Option<String>,
    /// The number dialed (`to`): 12345 or an old department hotline.
    pub to: Option<String>,
    /// `in` or `out`.
    pub direction: Option<String>,
    /// Operators' names (`user`).
    pub users: Vec<String>,
    /// The queue (`queue`, on `newCall`).
    pub queue: Option<String>,
    /// The extension that answered (`answeringNumber`).
    pub answering_number: Option<String>,
    /// Why the call ended (`cause`, on `hangup`).
    pub cause: Option<String>,
}

impl CallEvent {
    /// The key a retried delivery repeats: `callId` and `event`.
    pub fn dedupe_key(&self) -> String {
        format!("{}:{}", self.call_id, self.kind)
    }
}

/// A caller nobody answered, to be called back (回拨).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallBackEntry {
    /// The PBX's id of the missed call; one entry per call.
    pub call_id: String,
    /// The number to call back, normalized when it could be, otherwise as the PBX sent it.
    pub caller: String,
    /// The number the citizen dialed, so the call-back can say which line they called.
    pub dialed: Option<String>,
    /// The hangup cause (`noAnswer`, `cancel`, `busy`, ...).
    pub cause: String,
    /// The queue the call waited in, if the PBX said.
    pub queue: Option<String>,
    /// When the gateway learnt of the hangup.
    pub missed_at: DateTime<Utc>,
}

/// A CTI event that creates no appeal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtiEvent {
    /// A call started, was answered or ended.
    Call(CallEvent),
    /// A missed call to put on the call-back list.
    CallBack(CallBackEntry),
}

/// What a `record` carries beside the appeal: details of the call for the case file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallRecord {
    /// The menu choice the caller made in the IVR (`ivrChoice`), e.g. `2`.
    pub ivr_choice: Option<String>,
    /// The operator who took the call (`agent`, a 工号).
    pub agent: Option<String>,
    /// The speech transcript (`transcript`); the appeal's body when no summary was given.
    pub transcript: Option<String>,
}
