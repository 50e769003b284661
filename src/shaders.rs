//! The WGSL in `shaders/`, compiled into the binary so that `dreamloom` renders from any folder.
//! Materials refer to these handles; `noise.wgsl` is a library imported as `dreamloom::noise`.

use bevy::{asset::uuid_handle, prelude::*, shader::Shader};

/// `shaders/thread.wgsl`: builds every ribbon in the vertex shader.
pub const THREAD: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e61");
/// `shaders/sky.wgsl`: the sky dome.
pub const SKY: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e62");
/// `shaders/dunes.wgsl`: the dune field.
pub const DUNES: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e64");
/// `shaders/motes.wgsl`: drifting motes.
pub const MOTES: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e65");
/// `shaders/noise.wgsl`: hashing, gradient noise and fbm shared by the others.
pub const NOISE: Handle<Shader> = uuid_handle!("8b0d6f4e-3d1a-4c55-9b7e-1f2a3c4d5e63");

pub(super) fn plugin(app: &mut App) {
    let mut shaders = app.world_mut().resource_mut::<Assets<Shader>>();
    for (handle, source, path) in [
        (
            NOISE,
            include_str!("../shaders/noise.wgsl"),
            "shaders/noise.wgsl",
        ),
        (
            THREAD,
            include_str!("../shaders/thread.wgsl"),
            "shaders/thread.wgsl",
        ),
        (SKY, include_str!("../shaders/sky.wgsl"), "shaders/sky.wgsl"),
        (
            DUNES,
            include_str!("../shaders/dunes.wgsl"),
            "shaders/dunes.wgsl",
        ),
        (
            MOTES,
            include_str!("../shaders/motes.wgsl"),
            "shaders/motes.wgsl",
        ),
    ] {
        shaders
            .insert(&handle, Shader::from_wgsl(source, path))
            .expect("embedded shader handles are valid");
    }
}
