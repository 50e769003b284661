//! Presets: a whole look — sky, ground, motes, cloak, camera and council — as one RON file that an
//! artist can read, edit, compare and hand to a gallery. Colours are sRGB hex as in any paint
//! program; every number has a range, and a file that breaks one is refused with the field named,
//! leaving the look on screen as it was.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    camera::CameraRig,
    dreamscape::Dreamscape,
    protocol::policy::CouncilPolicy,
    range::{OutOfRange, in_range},
    weave::CloakShape,
};

/// The presets shipped with Dreamloom, by name (`assets/presets/NAME.ron`, embedded).
pub const SHIPPED: [(&str, &str); 4] = [
    (
        "calm-opening",
        include_str!("../../assets/presets/calm-opening.ron"),
    ),
    (
        "confluence",
        include_str!("../../assets/presets/confluence.ron"),
    ),
    (
        "sanctuary",
        include_str!("../../assets/presets/sanctuary.ron"),
    ),
    (
        "exhibition",
        include_str!("../../assets/presets/exhibition.ron"),
    ),
];

/// A colour as `#rrggbb` (sRGB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reflect)]
#[serde(transparent)]
pub struct Hex(pub String);

impl Hex {
    fn linear(&self, field: &'static str) -> Result<LinearRgba, PresetError> {
        Srgba::hex(&self.0)
            .map(LinearRgba::from)
            .map_err(|_| PresetError::Colour {
                field,
                text: self.0.clone(),
            })
    }

    fn of(colour: LinearRgba) -> Self {
        Self(Srgba::from(colour).to_hex())
    }
}

/// The night sky.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reflect)]
#[serde(deny_unknown_fields, default)]
pub struct SkyLook {
    /// Colour high overhead.
    pub zenith: Hex,
    /// Colour at the horizon, where the fog gathers.
    pub horizon: Hex,
    /// Colour of the drifting nebulae.
    pub nebula: Hex,
    /// Size of the nebulae: higher is finer, `0.2..=10`.
    pub nebula_scale: f32,
    /// How fast the sky drifts, `0..=0.5`.
    pub drift_speed: f32,
    /// Fraction of the sky that holds stars, `0..=0.5`.
    pub star_density: f32,
    /// Thickness of the fog, `0..=1`.
    pub fog: f32,
}

/// The dunes below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reflect)]
#[serde(deny_unknown_fields, default)]
pub struct GroundLook {
    /// Moonlit sand.
    pub sand: Hex,
    /// Sand in shadow.
    pub sand_shadow: Hex,
}

/// The motes of light drifting up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reflect)]
#[serde(deny_unknown_fields, default)]
pub struct MotesLook {
    /// How many, `0..=20000`.
    pub count: u32,
    pub colour: Hex,
    /// Brightness, `0..=10`.
    pub brightness: f32,
    /// Rise, world units per second, `0..=5`.
    pub rise: f32,
}

/// Where the drifting camera looks from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reflect)]
#[serde(deny_unknown_fields, default)]
pub struct CameraLook {
    /// Height above the horizon, radians, `-1.3..=1.3`.
    pub pitch: f32,
    /// Distance from the cloak, world units, `3..=40`.
    pub distance: f32,
    /// How far the slow drift swings, radians, `0..=1`.
    pub drift: f32,
}

/// A whole look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reflect, Resource)]
#[serde(deny_unknown_fields, default)]
pub struct Preset {
    /// What the look is for, in words.
    pub description: String,
    pub sky: SkyLook,
    pub ground: GroundLook,
    pub motes: MotesLook,
    /// The garment: size, drape and folds, light, and how it keeps its threads apart as it
    /// fills (see [`CloakShape`] for each field; ranges: width and height `1..=40`, bloom, drape,
    /// fold depth and density response `0..=1`, folds `0..=24`, sheen `0..=2`, max rows
    /// `20..=400`, grouping `bands`, `blocks` or `interleaved`).
    pub cloak: CloakShape,
    pub camera: CameraLook,
    pub council: CouncilPolicy,
}

/// The look Dreamloom has without a preset.
fn built_in() -> Preset {
    Preset::capture(
        &Dreamscape::default(),
        &CloakShape::default(),
        &CouncilPolicy::default(),
        &CameraRig::default(),
    )
}

impl Default for SkyLook {
    fn default() -> Self {
        built_in().sky
    }
}

impl Default for GroundLook {
    fn default() -> Self {
        built_in().ground
    }
}

impl Default for MotesLook {
    fn default() -> Self {
        built_in().motes
    }
}

impl Default for CameraLook {
    fn default() -> Self {
        built_in().camera
    }
}

impl Default for Preset {
    fn default() -> Self {
        built_in()
    }
}

/// Why a preset was refused.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no preset is called \"{0}\"; shipped: calm-opening, confluence, sanctuary, exhibition (or give a path)"
    )]
    NotFound(String),
    #[error("{0}")]
    Syntax(String),
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
    #[error("`{field}` is not a colour like \"#1c0d2e\": \"{text}\"")]
    Colour { field: &'static str, text: String },
    #[error("`council`: {0}")]
    Council(#[from] crate::protocol::policy::PolicyError),
}

impl Preset {
    /// Parses and checks a preset.
    pub fn from_ron(text: &str) -> Result<Self, PresetError> {
        let preset: Self = ron::from_str(text).map_err(|e| {
            PresetError::Syntax(match field_at(text, e.span.start.line, e.span.start.col) {
                Some(field) => format!("{e} (in `{field}`)"),
                None => e.to_string(),
            })
        })?;
        preset.resolve()?;
        Ok(preset)
    }

    /// A shipped preset by name, or a preset file by path.
    pub fn load(name_or_path: &str) -> Result<Self, PresetError> {
        if let Some((_, text)) = SHIPPED.iter().find(|(name, _)| *name == name_or_path) {
            return Self::from_ron(text);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(PresetError::NotFound(name_or_path.to_owned()));
        }
        Self::load_file(path)
    }

    /// A preset file.
    pub fn load_file(path: &Path) -> Result<Self, PresetError> {
        let text = std::fs::read_to_string(path).map_err(|source| PresetError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_ron(&text)
    }

    /// The preset as pretty RON.
    #[must_use]
    pub fn to_ron(&self) -> String {
        ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .expect("a preset always serialises")
    }

    /// The look of the given resources.
    #[must_use]
    pub fn capture(
        scape: &Dreamscape,
        shape: &CloakShape,
        policy: &CouncilPolicy,
        rig: &CameraRig,
    ) -> Self {
        Self {
            description: String::new(),
            sky: SkyLook {
                zenith: Hex::of(scape.zenith),
                horizon: Hex::of(scape.horizon),
                nebula: Hex::of(scape.nebula),
                nebula_scale: scape.nebula_scale,
                drift_speed: scape.drift_speed,
                star_density: scape.star_density,
                fog: scape.fog,
            },
            ground: GroundLook {
                sand: Hex::of(scape.sand),
                sand_shadow: Hex::of(scape.sand_shadow),
            },
            motes: MotesLook {
                count: scape.motes,
                colour: Hex::of(scape.mote_colour),
                brightness: scape.mote_brightness,
                rise: scape.mote_rise,
            },
            cloak: *shape,
            camera: CameraLook {
                pitch: rig.pitch,
                distance: rig.distance,
                drift: rig.drift,
            },
            council: *policy,
        }
    }

    /// The resources this preset sets, checked: the dreamscape (keeping `seed`), the cloak, the
    /// council (the bloom is the cloak's) and the camera rig (keeping its target and yaw).
    pub fn resolve(&self) -> Result<Resolved, PresetError> {
        let range = in_range;
        self.council.validate()?;
        Ok(Resolved {
            dreamscape: Dreamscape {
                seed: 0,
                zenith: self.sky.zenith.linear("sky.zenith")?,
                horizon: self.sky.horizon.linear("sky.horizon")?,
                nebula: self.sky.nebula.linear("sky.nebula")?,
                nebula_scale: range("sky.nebula_scale", self.sky.nebula_scale, 0.2, 10.0)?,
                drift_speed: range("sky.drift_speed", self.sky.drift_speed, 0.0, 0.5)?,
                star_density: range("sky.star_density", self.sky.star_density, 0.0, 0.5)?,
                fog: range("sky.fog", self.sky.fog, 0.0, 1.0)?,
                sand: self.ground.sand.linear("ground.sand")?,
                sand_shadow: self.ground.sand_shadow.linear("ground.sand_shadow")?,
                motes: range("motes.count", self.motes.count as f32, 0.0, 20_000.0)? as u32,
                mote_colour: self.motes.colour.linear("motes.colour")?,
                mote_brightness: range("motes.brightness", self.motes.brightness, 0.0, 10.0)?,
                mote_rise: range("motes.rise", self.motes.rise, 0.0, 5.0)?,
            },
            cloak: CloakShape {
                width: range("cloak.width", self.cloak.width, 1.0, 40.0)?,
                height: range("cloak.height", self.cloak.height, 1.0, 40.0)?,
                bloom: range("cloak.bloom", self.cloak.bloom, 0.0, 1.0)?,
                drape: range("cloak.drape", self.cloak.drape, 0.0, 1.0)?,
                fold_depth: range("cloak.fold_depth", self.cloak.fold_depth, 0.0, 1.0)?,
                folds: range("cloak.folds", self.cloak.folds, 0.0, 24.0)?,
                sheen: range("cloak.sheen", self.cloak.sheen, 0.0, 2.0)?,
                density_response: range(
                    "cloak.density_response",
                    self.cloak.density_response,
                    0.0,
                    1.0,
                )?,
                max_rows: range("cloak.max_rows", self.cloak.max_rows as f32, 20.0, 400.0)? as u32,
                grouping: self.cloak.grouping,
            },
            pitch: range("camera.pitch", self.camera.pitch, -1.3, 1.3)?,
            distance: range("camera.distance", self.camera.distance, 3.0, 40.0)?,
            drift: range("camera.drift", self.camera.drift, 0.0, 1.0)?,
            council: self.council,
        })
    }
}

/// The field whose value an error position points into: the nearest `name:` before it.
fn field_at(text: &str, line: usize, col: usize) -> Option<String> {
    let offset: usize = text
        .lines()
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum::<usize>()
        + text
            .lines()
            .nth(line.saturating_sub(1))?
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(0, |(i, _)| i);
    // `get` rather than slicing: a position that is not on a character boundary (a CRLF file,
    // say) gives no field name rather than a panic.
    let before = text.get(..offset.min(text.len()))?;
    let colon = before.rfind(':')?;
    let name: String = before[..colon]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!name.is_empty()).then_some(name)
}

/// A checked preset, as the resources it sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub dreamscape: Dreamscape,
    pub cloak: CloakShape,
    pub pitch: f32,
    pub distance: f32,
    pub drift: f32,
    pub council: CouncilPolicy,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn every_shipped_preset_loads_and_round_trips() {
        let mut looks = Vec::new();
        for (name, _) in SHIPPED {
            let preset = Preset::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!preset.description.is_empty(), "{name} says what it is for");
            let again = Preset::from_ron(&preset.to_ron()).unwrap();
            assert_eq!(again, preset, "{name} round-trips");
            looks.push(preset.resolve().unwrap());
        }
        // Clearly different looks: different skies and different councils.
        assert_ne!(looks[0].dreamscape.zenith, looks[1].dreamscape.zenith);
        assert_ne!(looks[1].dreamscape.zenith, looks[2].dreamscape.zenith);
        assert_ne!(looks[0].council.mode, looks[1].council.mode);
        assert_ne!(looks[1].council.mode, looks[2].council.mode);
    }

    #[test]
    fn the_default_look_is_the_built_in_one() {
        let resolved = Preset::default().resolve().unwrap();
        let scape = Dreamscape::default();
        assert!((resolved.dreamscape.fog - scape.fog).abs() < 1e-6);
        assert!((resolved.dreamscape.zenith.red - scape.zenith.red).abs() < 2e-3);
    }

    #[test]
    fn bad_presets_name_the_field() {
        let cases = [
            (
                "(sky: (fog: 3.0))",
                "`sky.fog` must be between 0 and 1; it is 3",
            ),
            (
                "(sky: (zenith: \"purple\"))",
                "`sky.zenith` is not a colour",
            ),
            ("(cloak: (widht: 3.0))", "widht"),
            (
                "(motes: (count: \"many\"))",
                "Expected integer (in `count`)",
            ),
            (
                "(council: (balance: 2.0))",
                "`council`: `balance` must be between 0 and 1",
            ),
            ("(sky: (fog: 0.5", "Expected comma (in `fog`)"),
            (
                "(cloak: (max_rows: 5))",
                "`cloak.max_rows` must be between 20 and 400; it is 5",
            ),
            (
                "(cloak: (fold_depth: -0.2))",
                "`cloak.fold_depth` must be between 0 and 1",
            ),
            ("(cloak: (grouping: stripes))", "stripes"),
        ];
        for (text, expected) in cases {
            let error = Preset::from_ron(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
        assert!(matches!(
            Preset::load("no-such-look"),
            Err(PresetError::NotFound(_))
        ));
    }

    proptest! {
        #[test]
        fn any_bytes_are_refused_or_accepted_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = Preset::from_ron(&text);
        }

        #[test]
        fn mutated_shipped_presets_never_panic(cut in 0usize..2000, insert in "[(),:\"#0-9a-z. ]{0,8}") {
            let text = SHIPPED[1].1;
            let cut = cut.min(text.len());
            let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let mutated = format!("{}{}{}", &text[..cut], insert, &text[cut..]);
            let _ = Preset::from_ron(&mutated);
        }
    }
}
