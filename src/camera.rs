//! The camera: a slow drift for unattended display, which the viewer's mouse can orbit and zoom.
//!
//! Where the camera stands is a pure function of its rig and the dream clock, so a still at time T
//! sees what the viewer would see at time T.

use bevy::{
    asset::RenderAssetUsages,
    camera::Hdr,
    core_pipeline::tonemapping::Tonemapping,
    post_process::bloom::Bloom,
    prelude::*,
    render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages},
};

use crate::{clock::DreamClock, schedule::AppSystems};

pub(crate) fn plugin(app: &mut App) {
    app.register_type::<CameraRig>()
        .register_type::<Flight>()
        .add_systems(Update, (fly, follow_rig).chain().in_set(AppSystems::Camera));
}

/// A move of the rig to look at something else — a thread a visitor asked to find — timed on the
/// dream clock so that it is as reproducible as the rest of the frame.
#[derive(Component, Debug, Clone, Copy, PartialEq, Reflect)]
#[reflect(Component)]
pub struct Flight {
    pub from_target: Vec3,
    pub from_distance: f32,
    pub to_target: Vec3,
    pub to_distance: f32,
    /// Clock seconds when it began.
    pub start: f32,
    /// Seconds it takes.
    pub duration: f32,
}

impl Flight {
    /// Target and distance at `seconds`, eased in and out.
    #[must_use]
    pub fn at(&self, seconds: f32) -> (Vec3, f32) {
        let k = if self.duration > 0.0 {
            ((seconds - self.start) / self.duration).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let eased = k * k * (3.0 - 2.0 * k);
        (
            self.from_target.lerp(self.to_target, eased),
            self.from_distance + (self.to_distance - self.from_distance) * eased,
        )
    }
}

fn fly(clock: Res<DreamClock>, mut rigs: Query<(&mut CameraRig, &Flight)>) {
    for (mut rig, flight) in &mut rigs {
        let (target, distance) = flight.at(clock.seconds);
        rig.target = target;
        rig.distance = distance;
    }
}

/// Where the camera looks from, in orbit coordinates around a target.
#[derive(Component, Debug, Clone, Copy, PartialEq, Reflect)]
#[reflect(Component)]
pub struct CameraRig {
    /// Point the camera circles and looks at.
    pub target: Vec3,
    /// Angle around the vertical axis, radians; 0 looks at the cloak's front.
    pub yaw: f32,
    /// Angle above the horizon, radians.
    pub pitch: f32,
    /// Distance from the target, world units.
    pub distance: f32,
    /// How far the slow unattended drift swings the view, radians (0 holds it still).
    pub drift: f32,
}

impl Default for CameraRig {
    fn default() -> Self {
        Self {
            target: Vec3::new(0.0, 0.2, 0.0),
            yaw: 0.0,
            pitch: 0.12,
            distance: 11.0,
            drift: 0.22,
        }
    }
}

/// Nearest and farthest the viewer may zoom, world units.
pub const DISTANCE_RANGE: (f32, f32) = (3.0, 40.0);
/// Steepest the viewer may look down or up, radians.
pub const PITCH_LIMIT: f32 = 1.35;

/// Where the rig puts the camera at `seconds` on the dream clock.
#[must_use]
pub fn rig_transform(rig: &CameraRig, seconds: f32) -> Transform {
    // Two incommensurate slow swings, so the path never visibly repeats.
    let yaw = rig.yaw + rig.drift * (seconds * 0.031).sin();
    let pitch = (rig.pitch + 0.3 * rig.drift * (seconds * 0.019 + 1.0).sin())
        .clamp(-PITCH_LIMIT, PITCH_LIMIT);
    let offset = Vec3::new(
        pitch.cos() * yaw.sin(),
        pitch.sin(),
        pitch.cos() * yaw.cos(),
    ) * rig.distance;
    Transform::from_translation(rig.target + offset).looking_at(rig.target, Vec3::Y)
}

/// The camera of every mode: HDR, bloom to make threads glow, a filmic tonemapper that needs no
/// lookup tables.
#[must_use]
pub fn camera_bundle(rig: CameraRig, seconds: f32) -> impl Bundle {
    (
        Name::new("Camera"),
        Camera3d::default(),
        Hdr,
        Tonemapping::AcesFitted,
        Bloom {
            intensity: 0.22,
            ..Bloom::NATURAL
        },
        rig_transform(&rig, seconds),
        rig,
    )
}

/// An image a camera renders into and a shader (or a screenshot) reads: a still's frame, the
/// projectors' wide frame and outputs, a cube face. At least 1×1.
#[must_use]
pub fn render_target_image(size: UVec2, format: TextureFormat) -> Image {
    let mut image = Image::new_uninit(
        Extent3d {
            width: size.x.max(1),
            height: size.y.max(1),
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        format,
        RenderAssetUsages::RENDER_WORLD,
    );
    image.texture_descriptor.usage |=
        TextureUsages::RENDER_ATTACHMENT | TextureUsages::TEXTURE_BINDING | TextureUsages::COPY_SRC;
    image
}

fn follow_rig(clock: Res<DreamClock>, mut cameras: Query<(&CameraRig, &mut Transform)>) {
    for (rig, mut transform) in &mut cameras {
        *transform = rig_transform(rig, clock.seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rig_looks_at_its_target_from_its_distance() {
        let rig = CameraRig::default();
        for seconds in [0.0, 10.0, 1234.5] {
            let transform = rig_transform(&rig, seconds);
            let distance = transform.translation.distance(rig.target);
            assert!((distance - rig.distance).abs() < 1e-3);
            let forward = transform.forward();
            let to_target = (rig.target - transform.translation).normalize();
            assert!(forward.dot(to_target) > 0.999);
        }
    }

    #[test]
    fn flights_ease_from_start_to_end() {
        let flight = Flight {
            from_target: Vec3::ZERO,
            from_distance: 10.0,
            to_target: Vec3::X,
            to_distance: 4.0,
            start: 5.0,
            duration: 2.0,
        };
        assert_eq!(flight.at(0.0), (Vec3::ZERO, 10.0));
        assert_eq!(flight.at(6.0), (Vec3::X * 0.5, 7.0));
        assert_eq!(flight.at(99.0), (Vec3::X, 4.0));
    }

    #[test]
    fn still_rig_does_not_drift() {
        let rig = CameraRig {
            drift: 0.0,
            ..default()
        };
        assert_eq!(rig_transform(&rig, 0.0), rig_transform(&rig, 99.0));
    }
}
