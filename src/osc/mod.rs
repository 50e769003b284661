//! Show control over OSC 1.0 (UDP): a lighting desk or show-control software cues the piece — the
//! show, the council's policy, presets, the camera, a visitor's thread — and a sound designer's patch
//! hears what happens on the cloak — threads woven, dissolved, preserved, restored and withdrawn,
//! the show's segment, the diversity meter.
//!
//! `address` is the address space (pure: patterns, arguments), `input` the listening thread and
//! the cues applied to the piece, `output` what the piece sends. [`OscPlugin`] needs the piece's
//! simulation half ([`SimulationPlugin`](crate::piece::SimulationPlugin)) and nothing with
//! pixels, so it is tested under `MinimalPlugins`. Every address, in and out, is in the README's
//! "Show control (OSC)".
//!
//! The show and the council: while the show plays it sets the council's policy every tick, so a
//! council cue (`/dreamloom/council/...`) stops the show — the policy on screen, with the cue's
//! change, holds until `/dreamloom/show/go` (or `/dreamloom/show/segment`) plays it again.

pub mod address;
mod input;
mod output;

use std::net::SocketAddr;

use bevy::prelude::*;

pub use self::{
    input::{OscIn, due_time},
    output::{DISSOLVED, METER, OscOut, PRESERVED, RESTORED, SEGMENT, WITHDRAWN, WOVEN},
};
use crate::schedule::AppSystems;

/// Meter messages a second unless told otherwise.
pub const DEFAULT_METER_HZ: f32 = 2.0;

/// OSC show control: cues in on `listen`, events and the meter out to every `send_to`.
#[derive(Debug, Clone, PartialEq)]
pub struct OscPlugin {
    /// The UDP address to listen for cues on (port 0: any free port, see [`OscListening`]);
    /// `None`: no cues.
    pub listen: Option<SocketAddr>,
    /// Where to send events and the meter; empty: nothing is sent.
    pub send_to: Vec<SocketAddr>,
    /// Meter messages a second (0: no meter).
    pub meter_hz: f32,
}

impl Default for OscPlugin {
    fn default() -> Self {
        Self {
            listen: None,
            send_to: Vec::new(),
            meter_hz: DEFAULT_METER_HZ,
        }
    }
}

impl OscPlugin {
    /// The plugin for the command line's `--osc-listen` and `--osc-send`; `None` when neither is
    /// given.
    #[must_use]
    pub fn from_args(listen: Option<SocketAddr>, send_to: Vec<SocketAddr>) -> Option<Self> {
        (listen.is_some() || !send_to.is_empty()).then(|| Self {
            listen,
            send_to,
            ..Self::default()
        })
    }
}

/// The address the piece listens for cues on, once bound.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct OscListening(pub SocketAddr);

/// What came in: messages taken (due), applied whole, refused whole.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OscStats {
    /// Messages that were due and looked at.
    pub received: u64,
    /// Messages applied.
    pub applied: u64,
    /// Messages refused (unknown address, wrong arguments, a value out of range).
    pub refused: u64,
}

impl Plugin for OscPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<OscStats>();
        if let Some(listen) = self.listen {
            match input::listen(listen) {
                Ok((osc_in, bound)) => {
                    info!("OSC: listening for cues on {bound}");
                    app.insert_resource(osc_in)
                        .insert_resource(OscListening(bound));
                }
                // The piece runs on without cues; the log says why.
                Err(error) => error!("OSC: could not listen on {listen}: {error}"),
            }
        }
        if !self.send_to.is_empty() {
            match OscOut::open(self.send_to.clone(), self.meter_hz) {
                Ok(out) => {
                    info!("OSC: sending events to {:?}", self.send_to);
                    app.insert_resource(out);
                }
                Err(error) => error!("OSC: could not open a socket to send from: {error}"),
            }
        }
        app.add_systems(
            Update,
            input::apply_cues
                .run_if(input::cues_waiting)
                .in_set(AppSystems::ReadInput),
        )
        .add_systems(
            Update,
            (
                output::send_thread_events,
                output::send_segment,
                output::send_meter,
            )
                .chain()
                .run_if(resource_exists::<OscOut>)
                .after(AppSystems::Protocol),
        );
    }
}
