//! The council's policy: how hard the Neuro-Synch Protocol pulls, what it may take, and what it
//! must leave. A RON file artists and councils can read and edit.

use std::path::Path;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::range::{OutOfRange, in_range};

/// Which protocol runs.
/// In RON files the modes are written `off`, `neuro_synch`, `sanctuary`, `balanced`; on the
/// command line `neuro-synch` works too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Reflect)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The protocol is off: threads recover what they lost, short of the final point.
    #[default]
    Off,
    /// The Neuro-Synch Protocol at the policy's strength: identities pulled toward the collective
    /// mean, threads dissolving once too little of them remains.
    NeuroSynch,
    /// The Dream Sanctuary: no pull, threads recover and connect to kin threads while keeping
    /// their own colours.
    Sanctuary,
    /// Connection without conformity: a pull that stops at the autonomy the balance guarantees.
    Balanced,
}

impl Mode {
    /// The name used on the command line and in RON files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::NeuroSynch => "neuro-synch",
            Mode::Sanctuary => "sanctuary",
            Mode::Balanced => "balanced",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "off" => Ok(Mode::Off),
            "neuro-synch" | "neuro_synch" => Ok(Mode::NeuroSynch),
            "sanctuary" => Ok(Mode::Sanctuary),
            "balanced" => Ok(Mode::Balanced),
            other => Err(format!(
                "'{other}' is not a mode; use off, neuro-synch, sanctuary or balanced"
            )),
        }
    }
}

/// The council policy: a resource, tunable live, saved as RON.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Reflect)]
#[reflect(Resource)]
#[serde(deny_unknown_fields, default)]
pub struct CouncilPolicy {
    pub mode: Mode,
    /// How hard the protocol pulls identities toward the collective, identity lost per second at
    /// full balance, `0..=1`.
    pub synch_strength: f32,
    /// Autonomy (0) against the collective (1): scales the pull, and in balanced mode sets the
    /// identity no thread is pulled below (`1 - balance`).
    pub balance: f32,
    /// No origin may fall below this fraction of its share of submitted narratives: the protocol
    /// pauses dissolving it. `0..=1`.
    pub origin_floor: f32,
    /// Identity below which a thread starts to dissolve, `0..1`.
    pub dissolve_below: f32,
    /// Presence lost per second while dissolving.
    pub dissolve_rate: f32,
    /// Presence below which dissolution can no longer be reversed, `0..1`.
    pub final_point: f32,
    /// Identity and presence regained per second when the protocol is off.
    pub recovery_rate: f32,
}

impl Default for CouncilPolicy {
    fn default() -> Self {
        Self {
            mode: Mode::Off,
            synch_strength: 0.05,
            balance: 0.8,
            origin_floor: 0.25,
            dissolve_below: 0.35,
            dissolve_rate: 0.08,
            final_point: 0.2,
            recovery_rate: 0.06,
        }
    }
}

/// Why a policy file was refused. The previous policy stays in force.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("could not read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Syntax(String),
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
}

impl CouncilPolicy {
    /// Parses a RON policy; fields left out keep their defaults, unknown fields are errors.
    pub fn from_ron(text: &str) -> Result<Self, PolicyError> {
        let policy: Self = ron::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Reads a RON policy file.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_ron(&text)
    }

    /// The policy as pretty RON.
    #[must_use]
    pub fn to_ron(&self) -> String {
        ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .expect("a policy always serialises")
    }

    /// Checks every number is in its range.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let check = |field, value, min, max| in_range(field, value, min, max).map(drop);
        check("synch_strength", self.synch_strength, 0.0, 1.0)?;
        check("balance", self.balance, 0.0, 1.0)?;
        check("origin_floor", self.origin_floor, 0.0, 1.0)?;
        check("dissolve_below", self.dissolve_below, 0.0, 1.0)?;
        check("dissolve_rate", self.dissolve_rate, 0.0, 10.0)?;
        check("final_point", self.final_point, 0.0, 1.0)?;
        check("recovery_rate", self.recovery_rate, 0.0, 10.0)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_round_trip_through_ron() {
        let policy = CouncilPolicy {
            mode: Mode::Balanced,
            balance: 0.4,
            ..default()
        };
        assert_eq!(CouncilPolicy::from_ron(&policy.to_ron()).unwrap(), policy);
        let partial = CouncilPolicy::from_ron("(mode: neuro_synch, synch_strength: 0.2)").unwrap();
        assert_eq!(partial.mode, Mode::NeuroSynch);
        assert!((partial.balance - CouncilPolicy::default().balance).abs() < f32::EPSILON);
    }

    #[test]
    fn bad_policies_name_what_is_wrong() {
        let unknown = CouncilPolicy::from_ron("(mood: off)")
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("mood"), "{unknown}");
        let range = CouncilPolicy::from_ron("(balance: 1.5)")
            .unwrap_err()
            .to_string();
        assert_eq!(range, "`balance` must be between 0 and 1; it is 1.5");
        let truncated = CouncilPolicy::from_ron("(mode: off, bal").unwrap_err();
        assert!(matches!(truncated, PolicyError::Syntax(_)));
        assert!(CouncilPolicy::from_ron("(mode: sideways)").is_err());
    }
}
