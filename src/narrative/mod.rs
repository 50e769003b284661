//! Visitor narratives: the model every thread on the cloak is woven from, the rules a submission
//! must meet (`validate`), receipt codes (`receipt`), the durable store with its event log
//! (`store`), the JSON Lines format (`records`), and the feed that keeps the running piece in step
//! with the store (`feed`).

mod feed;
pub mod import;
pub mod receipt;
pub mod records;
mod samples;
pub mod store;
pub mod synthetic;
pub mod validate;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

pub use feed::{POLL_INTERVAL, StoreFeedPlugin, StoreStats};
pub use samples::{SampleError, sample_narratives};
pub use validate::{Submission, ValidSubmission, validate};

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<NarrativeArchive>();
}

/// Stable identifier of a narrative. Threads refer to their narrative by it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Reflect,
)]
pub struct NarrativeId(pub u64);

/// What the visitor agreed to when they shared their dream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Reflect)]
#[serde(default)]
pub struct Consent {
    /// The thread may be shown on the cloak.
    pub display: bool,
    /// The owner asked the Sanctuary to protect the thread from dissolution.
    pub sanctuary: bool,
}

impl Default for Consent {
    fn default() -> Self {
        Self {
            display: true,
            sanctuary: false,
        }
    }
}

/// One visitor's dream: the text they told, the cultural origin in their own words, and consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reflect)]
pub struct Narrative {
    pub id: NarrativeId,
    /// The dream as the visitor told it.
    pub text: String,
    /// Cultural origin in the visitor's own words, e.g. "Yoruba, Lagos". Free text, not a list.
    pub origin: String,
    /// Optional BCP 47 language tag of the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default)]
    pub consent: Consent,
}

/// The store the running piece writes to (protocol events, the kiosk's submissions), shared
/// with the phone form's server.
#[derive(Resource)]
pub struct StoreHandle(pub std::sync::Arc<store::Store>);

/// Every narrative the running piece knows, in the order they were woven in.
///
/// The weave reads it to lay out threads; later the durable store feeds it.
#[derive(Resource, Debug, Clone, Default, Reflect)]
#[reflect(Resource)]
pub struct NarrativeArchive {
    pub narratives: Vec<Narrative>,
}

impl NarrativeArchive {
    /// Narratives whose owners allowed them to be shown.
    pub fn displayed(&self) -> impl Iterator<Item = &Narrative> {
        self.narratives.iter().filter(|n| n.consent.display)
    }
}
