//! The dreamscape around the cloak: a sky of layered noise with drifting fog, dunes below, motes of
//! light drifting up — driven by the dream clock, one seed and a few tunables ([`Dreamscape`]) so
//! that any frame can be rendered again exactly.

pub mod dunes;
pub mod motes;
mod sky;

use bevy::prelude::*;

pub use sky::{SkyMaterial, SkyUniform};

use crate::schedule::AppSystems;

/// The dreamscape's tunables, for the simulation half: its seed also seeds the protocol's pace.
pub(crate) fn plugin(app: &mut App) {
    app.register_type::<Dreamscape>()
        .init_resource::<Dreamscape>();
}

/// Sky, dunes and motes on the GPU.
pub(crate) fn render_plugin(app: &mut App) {
    app.add_plugins((
        MaterialPlugin::<SkyMaterial>::default(),
        MaterialPlugin::<dunes::DuneMaterial>::default(),
        MaterialPlugin::<motes::MoteMaterial>::default(),
    ))
    .add_systems(
        Startup,
        (sky::spawn_sky, dunes::spawn_dunes, motes::spawn_motes),
    )
    .add_systems(
        Update,
        (sky::sync_sky, dunes::sync_dunes, motes::sync_motes).in_set(AppSystems::Weave),
    );
}

/// The artistic parameters of the dreamscape.
#[derive(Resource, Debug, Clone, PartialEq, Reflect)]
#[reflect(Resource)]
pub struct Dreamscape {
    /// Seed of the sky's noise: the same seed, the same sky.
    pub seed: u64,
    /// Colour high overhead.
    pub zenith: LinearRgba,
    /// Colour at the horizon, where the fog gathers.
    pub horizon: LinearRgba,
    /// Colour of the glowing nebulae drifting through the sky.
    pub nebula: LinearRgba,
    /// Size of the nebulae: higher is finer.
    pub nebula_scale: f32,
    /// How fast the sky drifts, in noise units per second.
    pub drift_speed: f32,
    /// Fraction of sky cells that hold a star, `0..1`.
    pub star_density: f32,
    /// Thickness of the fog band around the horizon and over the dunes, `0..1`.
    pub fog: f32,
    /// Colour of moonlit sand.
    pub sand: LinearRgba,
    /// Colour of sand in shadow.
    pub sand_shadow: LinearRgba,
    /// Motes of light drifting up through the dream.
    pub motes: u32,
    /// Colour of the motes.
    pub mote_colour: LinearRgba,
    /// Brightness of the motes (HDR multiplier).
    pub mote_brightness: f32,
    /// How fast motes rise, world units per second.
    pub mote_rise: f32,
}

impl Default for Dreamscape {
    fn default() -> Self {
        Self {
            seed: 7,
            zenith: LinearRgba::rgb(0.004, 0.006, 0.028),
            horizon: LinearRgba::rgb(0.11, 0.05, 0.16),
            nebula: LinearRgba::rgb(0.22, 0.09, 0.32),
            nebula_scale: 2.2,
            drift_speed: 0.015,
            star_density: 0.08,
            fog: 0.55,
            sand: LinearRgba::rgb(0.2, 0.11, 0.2),
            sand_shadow: LinearRgba::rgb(0.01, 0.006, 0.025),
            motes: 600,
            mote_colour: LinearRgba::rgb(1.0, 0.7, 0.45),
            mote_brightness: 1.1,
            mote_rise: 0.25,
        }
    }
}

impl Dreamscape {
    /// Offset of the noise domain for this seed: seeds move the sky to a far, unrelated region.
    #[must_use]
    pub fn seed_offset(&self) -> Vec3 {
        let h = crate::hash::splitmix64(self.seed);
        let part = |shift: u32| ((h >> shift) & 0xffff) as f32 / 65_536.0 * 512.0;
        Vec3::new(part(0), part(16), part(32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_move_the_sky() {
        let a = Dreamscape::default();
        let b = Dreamscape {
            seed: a.seed + 1,
            ..default()
        };
        assert_eq!(a.seed_offset(), Dreamscape::default().seed_offset());
        assert_ne!(a.seed_offset(), b.seed_offset());
    }
}
