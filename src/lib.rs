//! Dreamloom renders the installation *Cloak of Collective Dreams*: every visitor's dream becomes a
//! glowing thread woven into a cloak that floats in a procedural dreamscape.
//!
//! The crate is laid out by domain, one plugin each, in layers that only ever import downwards:
//! pure helpers ([`hash`], [`palette`], [`range`], the [`schedule`] spine); the translations of
//! the kiosk's and the phone form's own words ([`i18n`]); the narrative model
//! and its store ([`narrative`]); the dream [`clock`], the [`camera`], projector layouts
//! ([`outputs`]) and the embedded [`shaders`]; the live projector outputs ([`projectors`]); the
//! cloak ([`weave`]) and the [`dreamscape`]; the [`protocol`], [`tuning`] and
//! the egui [`overlay`]; the piece assembled ([`piece`]: [`SimulationPlugin`] without pixels,
//! [`DreamloomPlugin`] with them); the modes ([`capture`], [`web`], [`osc`] show control,
//! [`metrics`], [`desktop`], [`viewer`], [`kiosk`]); and the [`commands`] behind the command line
//! ([`cli`]).

// Layers, from the bottom up: a module imports only from layers below its own (checked by
// `tests/layers.rs`; the order and its reasons are in docs/ARCHITECTURE.md).
// Pure helpers.
pub mod hash;
pub mod palette;
pub mod range;
pub mod schedule;
pub mod text;
// The kiosk's and the phone form's own words, in the gallery's languages.
pub mod i18n;
// The narrative model and store.
pub mod narrative;
// Time, the camera, the embedded shaders.
pub mod camera;
pub mod clock;
pub mod outputs;
pub mod shaders;
// Several projectors live, fulldome and 360°: the camera's outputs.
pub mod immersive;
// Several projectors, live: the outputs of a layout drawn from one wide frame.
pub mod projectors;
// The cloak and the dreamscape.
pub mod dreamscape;
pub mod weave;

pub mod card;
// The protocol on the cloak, the artists' tuning, the egui overlay.
pub mod overlay;
pub mod protocol;
pub mod tuning;
// The piece assembled: simulation and render halves.
pub mod piece;
// Modes: headless capture, the phone form, OSC show control, monitoring (served as the phone
// form is), windowed start-up, the viewer, the kiosk.
pub mod capture;
pub mod desktop;
pub mod kiosk;
pub mod metrics;
pub mod osc;
pub mod viewer;
pub mod web;
// Commands behind the command line.
pub mod cli;
pub mod commands;
// Helpers for tests.
pub mod testing;

pub use piece::{DreamloomPlugin, SimulationPlugin};
pub use schedule::AppSystems;
