//! The common record of the 12345 intake gateway.
//!
//! Every channel (phone CTI, email, SMS, WeChat, web form) turns what it receives into one
//! [`Appeal`]; the routing engine turns an appeal into a [`RoutingDecision`]. This crate owns
//! those two records, the identifiers they use and the masking of personal data for logs.
//! It knows nothing of wire formats (that is `channel-adapters`) nor of rule files (that is
//! `routing-rules`).
//!
//! After routing, [`case`] tracks each case (工单) from dispatch to closing: states, history,
//! deadlines and supervision steps, counted on the working-day [`calendar`] (工作日 / 调休).
//!
//! ```
//! use gateway_core::{Appeal, Channel};
//!
//! let appeal = Appeal::builder(Channel::WebForm, "form-1", "楼下餐馆油烟太大")
//!     .address("玉壶镇东樟村")
//!     .build();
//! let json = serde_json::to_string(&appeal).unwrap();
//! let back: Appeal = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, appeal);
//! ```

pub mod appeal;
pub mod calendar;
pub mod case;
pub mod decision;
pub mod ids;
pub mod mask;
pub mod store;

pub use appeal::{
    APPEAL_SCHEMA_VERSION, Appeal, AppealBuilder, Attachment, Channel, Citizen, Coordinates,
    IntakeFlag, Location, RawOriginal,
};
pub use decision::{
    Emergency, EmergencyService, Kind, PlaceAmbiguity, Principle, RoutingDecision, RuleHit,
};
pub use ids::{AppealId, DivisionRef, TownshipCode, UnitId};
pub use store::{AppealStore, StoreConfig};
