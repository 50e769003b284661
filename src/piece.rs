//! The installation itself, whatever shows it, in two halves.
//!
//! [`SimulationPlugin`] is the piece without pixels: the narrative archive, the dream clock, the
//! protocol with its Sanctuary and council, the loom and its fates, the found thread and the
//! camera's flight to it, the show, presets, and — where a store is attached — the protocol's
//! events in the store's log. It runs under `MinimalPlugins`, so the piece's logic is tested
//! without a GPU. [`DreamloomPlugin`] adds the render half: the embedded shaders, the cloak's
//! material, mesh and buffer, and the dreamscape's sky, dunes and motes.

use std::sync::Arc;

use bevy::prelude::*;

use crate::{
    camera, clock,
    dreamscape::{self, Dreamscape},
    immersive,
    narrative::{
        self, DAY_MS, ExhibitionClock, Narrative, NarrativeArchive, StoreFeedPlugin, StoreHandle,
        store::{Location, Reader, Store},
    },
    protocol::{self, ShowPlaying, show::Show},
    schedule, shaders,
    tuning::{self, preset::Preset},
    weave,
};

/// An exhibition's shared clock, read from its database: its epoch, and a period of the show's
/// loop when it plays, else a day. `None` for a machine's own store, or an exhibition whose
/// epoch cannot be read (the machine then keeps its own clock, and says so).
fn exhibition_clock(location: &Location, show: bool) -> Option<ExhibitionClock> {
    if !matches!(location, Location::Postgres(_)) {
        return None;
    }
    let epoch = Reader::open_at(location).and_then(|reader| reader.epoch_ms());
    match epoch {
        Ok(Some(epoch_ms)) => Some(ExhibitionClock {
            epoch_ms,
            period_ms: if show {
                (f64::from(Show::embedded().loop_seconds()) * 1000.0).round() as i64
            } else {
                DAY_MS
            },
        }),
        Ok(None) => {
            warn!(
                "the exhibition has no epoch (run `dreamloom exhibition init`); this machine keeps its own clock"
            );
            None
        }
        Err(error) => {
            warn!(
                "could not read the exhibition's clock ({error}); this machine keeps its own clock"
            );
            None
        }
    }
}

/// The piece without pixels. Needs only `MinimalPlugins` (time, a task pool, a schedule runner).
pub struct SimulationPlugin;

impl Plugin for SimulationPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((
            schedule::plugin,
            narrative::plugin,
            clock::plugin,
            dreamscape::plugin,
            weave::plugin,
            protocol::plugin,
            camera::plugin,
            tuning::plugin,
        ));
    }
}

/// The whole piece: [`SimulationPlugin`] and the GPU half that draws it. Needs Bevy's render
/// plugins (a window, or the headless set in `capture::headless_plugins`).
pub struct DreamloomPlugin;

impl Plugin for DreamloomPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((
            SimulationPlugin,
            shaders::plugin,
            weave::render_plugin,
            dreamscape::render_plugin,
            immersive::plugin,
        ));
    }
}

/// What a mode starts the piece with, whatever shows it.
pub struct PieceSettings {
    /// Seed of the dreamscape and of the protocol's pace.
    pub seed: u64,
    /// Narratives on the cloak at start.
    pub narratives: Vec<Narrative>,
    /// The look to start with.
    pub preset: Option<Preset>,
    /// Play the show timeline (`assets/show.ron`).
    pub show: bool,
    /// The store to follow while running (narratives submitted or withdrawn elsewhere are woven
    /// in or out within a second) and to write the protocol's events to.
    pub store: Option<Arc<Store>>,
}

impl PieceSettings {
    /// The piece on `narratives`, with the default look, no show and no store.
    #[must_use]
    pub fn on(narratives: Vec<Narrative>) -> Self {
        Self {
            seed: Dreamscape::default().seed,
            narratives,
            preset: None,
            show: false,
            store: None,
        }
    }

    /// Puts these settings into `app` (which has, or will have, [`SimulationPlugin`]).
    pub fn apply(self, app: &mut App) {
        let Self {
            seed,
            narratives,
            preset,
            show,
            store,
        } = self;
        app.insert_resource(NarrativeArchive::new(narratives))
            .insert_resource(Dreamscape { seed, ..default() });
        if let Some(preset) = preset {
            app.insert_resource(preset);
        }
        if show {
            app.insert_resource(ShowPlaying(Show::embedded()));
        }
        if let Some(store) = store {
            let clock = exhibition_clock(store.location(), show);
            if let Some(clock) = clock {
                app.insert_resource(clock);
            }
            app.add_plugins(StoreFeedPlugin {
                location: store.location().clone(),
                clock,
            })
            .insert_resource(StoreHandle(store));
        }
    }
}
