//! Fulldome and 360°: the piece's camera seen as a domemaster (an angular fisheye) or an
//! equirectangular panorama, made the standard way. Six cameras at the rig's eye point — one per
//! face of a cube, each a little wider than 90° — render the world into six HDR images; the rig's
//! own camera then draws nothing but one fullscreen pass (`shaders/immersive.wgsl`) that looks up
//! every output pixel's direction in that cube map. Bloom and tonemapping stay on the rig's camera,
//! so they run once on the finished dome or panorama: a glow reaches across a cube face's border
//! as it does anywhere else, and there is no seam to hide.
//!
//! The mapping between pixels and directions is plain functions here ([`Immersive::direction`],
//! [`Immersive::uv_of`], [`CubeFace::of`]) that the shader mirrors and the tests check the GPU
//! against.

use std::f32::consts::{PI, TAU};

use bevy::{
    camera::{Hdr, RenderTarget, visibility::NoFrustumCulling, visibility::RenderLayers},
    core_pipeline::tonemapping::{DebandDither, Tonemapping},
    image::ImageSampler,
    prelude::*,
    render::render_resource::{AsBindGroup, ShaderType, TextureFormat},
};

use crate::{
    camera::{CameraRig, render_target_image},
    shaders,
};

/// The render layer of the resampling pass: only the rig's camera sees it, and it sees nothing
/// else.
pub const IMMERSIVE_LAYER: usize = 29;
/// Texels each cube face renders beyond its 90°, so that filtering at a face's edge reads what
/// the world looks like there rather than a clamped border.
pub const GUARD: u32 = 2;
/// Largest cube face, texels (the GPU's usual texture limit).
pub const MAX_FACE: u32 = 8192;
/// Side of a face the projection never sees (its camera is off; the material still needs an
/// image), and of every face until the frame's size is known.
const UNSEEN_FACE: u32 = 2 * GUARD + 2;

pub(crate) fn plugin(app: &mut App) {
    app.register_type::<Immersive>()
        .add_plugins(MaterialPlugin::<CubeResample>::default())
        .add_systems(PostUpdate, (build_rigs, fit_faces).chain());
}

/// How the rig's camera projects the world: put on the camera with [`CameraRig`] to make it a dome
/// or a panorama. Its view direction is the centre of the dome and of the panorama.
#[derive(Component, Debug, Clone, Copy, PartialEq, Reflect)]
#[reflect(Component)]
pub enum Immersive {
    /// A domemaster: an angular (equidistant) fisheye in the inscribed circle of a square frame,
    /// `degrees` across (180 for a dome).
    Fisheye { degrees: f32 },
    /// An equirectangular panorama, 360° × 180° on a 2:1 frame, for 360° video and headsets.
    Equirect,
}

/// A projection that cannot be drawn on the frame asked for.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImmersiveError {
    #[error("a fisheye's angle must be more than 0° and at most 360°, not {0}°")]
    Angle(f32),
    #[error(
        "a domemaster is square: give the same --width and --height (e.g. 4096), not {width}×{height}"
    )]
    NotSquare { width: u32, height: u32 },
    #[error(
        "an equirectangular frame is twice as wide as high (e.g. 4096×2048), not {width}×{height}"
    )]
    NotTwoToOne { width: u32, height: u32 },
}

impl Immersive {
    /// Checks the projection itself: a fisheye's angle.
    pub fn check_angle(self) -> Result<(), ImmersiveError> {
        match self {
            Self::Fisheye { degrees } if !(degrees > 0.0 && degrees <= 360.0) => {
                Err(ImmersiveError::Angle(degrees))
            }
            _ => Ok(()),
        }
    }

    /// Checks that the projection can be drawn on a `width`×`height` frame.
    pub fn check(self, width: u32, height: u32) -> Result<(), ImmersiveError> {
        self.check_angle()?;
        match self {
            Self::Fisheye { .. } if width != height => {
                Err(ImmersiveError::NotSquare { width, height })
            }
            Self::Equirect if width != 2 * height => {
                Err(ImmersiveError::NotTwoToOne { width, height })
            }
            _ => Ok(()),
        }
    }

    /// Half the fisheye's angle, radians (π for a panorama, which sees every direction).
    #[must_use]
    pub fn half_angle(self) -> f32 {
        match self {
            Self::Fisheye { degrees } => degrees.to_radians() / 2.0,
            Self::Equirect => PI,
        }
    }

    /// The direction seen at `uv` on the frame (0..1 from the top-left), in the camera's own
    /// coordinates (x right, y up, looking down −z), or `None` outside a fisheye's circle.
    #[must_use]
    pub fn direction(self, uv: Vec2) -> Option<Vec3> {
        match self {
            Self::Fisheye { .. } => {
                let p = Vec2::new(2.0 * uv.x - 1.0, 1.0 - 2.0 * uv.y);
                let r = p.length();
                if r > 1.0 {
                    return None;
                }
                let theta = r * self.half_angle();
                let phi = p.y.atan2(p.x);
                Some(Vec3::new(
                    theta.sin() * phi.cos(),
                    theta.sin() * phi.sin(),
                    -theta.cos(),
                ))
            }
            Self::Equirect => {
                let longitude = (uv.x - 0.5) * TAU;
                let latitude = (0.5 - uv.y) * PI;
                Some(Vec3::new(
                    latitude.cos() * longitude.sin(),
                    latitude.sin(),
                    -latitude.cos() * longitude.cos(),
                ))
            }
        }
    }

    /// Where on the frame (0..1 from the top-left) the direction `dir` (camera coordinates) is
    /// seen, or `None` when a fisheye does not see it.
    #[must_use]
    pub fn uv_of(self, dir: Vec3) -> Option<Vec2> {
        let dir = dir.try_normalize()?;
        match self {
            Self::Fisheye { .. } => {
                let theta = (-dir.z).clamp(-1.0, 1.0).acos();
                if theta > self.half_angle() {
                    return None;
                }
                let r = theta / self.half_angle();
                let phi = dir.y.atan2(dir.x);
                let p = Vec2::new(phi.cos(), phi.sin()) * r;
                Some(Vec2::new(f32::midpoint(p.x, 1.0), (1.0 - p.y) / 2.0))
            }
            Self::Equirect => {
                let longitude = dir.x.atan2(-dir.z);
                let latitude = dir.y.clamp(-1.0, 1.0).asin();
                Some(Vec2::new(longitude / TAU + 0.5, 0.5 - latitude / PI))
            }
        }
    }

    /// Whether each face of [`CubeFace::ALL`] is seen at all: a dome of up to 90° needs only the
    /// front, one of 180° five faces, a panorama all six.
    #[must_use]
    pub fn faces(self) -> [bool; 6] {
        // The nearest a side face comes to the view direction is 45° (the middle of its edge
        // with the front, where the front wins the tie; see [`CubeFace::of`]), the back face
        // 125.26° (its corners, where three faces meet: acos(−1/√3)).
        let half = self.half_angle();
        let back_corner = (-1.0 / 3.0_f32.sqrt()).acos();
        CubeFace::ALL.map(|face| match face {
            CubeFace::Front => true,
            CubeFace::Back => half > back_corner - 1e-4,
            _ => half > PI / 4.0,
        })
    }

    /// The side of each cube face, texels, guard included, for a `size` frame: as many texels
    /// per radian at a face's centre as the frame has at its centre (a dome's rim holds more
    /// detail around the circle than that; a face's edges hold twice their centre's).
    #[must_use]
    pub fn face_size(self, size: UVec2) -> u32 {
        // A face spans tangents −1..1, so at its centre n/2 texels span one radian.
        let per_radian = match self {
            Self::Fisheye { .. } => size.x.min(size.y) as f32 / 2.0 / self.half_angle(),
            Self::Equirect => size.x as f32 / TAU,
        };
        ((2.0 * per_radian).ceil() as u32 + 2 * GUARD).clamp(UNSEEN_FACE, MAX_FACE)
    }
}

/// The projection the windowed modes (viewer, kiosk) give their camera when they spawn it.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct RigProjection(pub Immersive);

/// Makes every rig camera in `world` project as `projection` (its cube map is built in the next
/// update).
pub fn make_immersive(world: &mut World, projection: Immersive) {
    let rigs: Vec<Entity> = world
        .query_filtered::<Entity, With<CameraRig>>()
        .iter(world)
        .collect();
    for rig in rigs {
        world.entity_mut(rig).insert(projection);
    }
}

/// The tangent at a face's edge for faces `size` texels wide: the inner `size − 2·GUARD` texels
/// span exactly 90°, so the whole face spans a little more.
#[must_use]
pub fn face_extent(size: u32) -> f32 {
    size as f32 / (size - 2 * GUARD) as f32
}

/// One face of the cube map, named from the rig camera's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CubeFace {
    Front,
    Back,
    Right,
    Left,
    Up,
    Down,
}

impl CubeFace {
    /// Every face, in the order of the shader's `faces` (`shaders/immersive.wgsl`).
    pub const ALL: [Self; 6] = [
        Self::Front,
        Self::Back,
        Self::Right,
        Self::Left,
        Self::Up,
        Self::Down,
    ];

    /// Its place in [`Self::ALL`] (and the shader's face index).
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The face camera's right, up and forward directions in the rig camera's coordinates.
    #[must_use]
    pub fn basis(self) -> (Vec3, Vec3, Vec3) {
        match self {
            Self::Front => (Vec3::X, Vec3::Y, Vec3::NEG_Z),
            Self::Back => (Vec3::NEG_X, Vec3::Y, Vec3::Z),
            Self::Right => (Vec3::Z, Vec3::Y, Vec3::X),
            Self::Left => (Vec3::NEG_Z, Vec3::Y, Vec3::NEG_X),
            Self::Up => (Vec3::X, Vec3::Z, Vec3::Y),
            Self::Down => (Vec3::X, Vec3::NEG_Z, Vec3::NEG_Y),
        }
    }

    /// The face camera's rotation relative to the rig camera.
    #[must_use]
    pub fn rotation(self) -> Quat {
        let (right, up, forward) = self.basis();
        Quat::from_mat3(&Mat3::from_cols(right, up, -forward))
    }

    /// The face that sees `dir` (rig camera coordinates) and where on it, as tangents −1..1
    /// (x right, y up).
    #[must_use]
    pub fn of(dir: Vec3) -> (Self, Vec2) {
        let a = dir.abs();
        // Ties go to the front and back first, so that a 90° dome's rim (45° off axis, where
        // the front meets the sides) is read from the front, the one face it renders.
        let face = if a.z >= a.x && a.z >= a.y {
            if dir.z < 0.0 { Self::Front } else { Self::Back }
        } else if a.x >= a.y {
            if dir.x > 0.0 { Self::Right } else { Self::Left }
        } else if dir.y > 0.0 {
            Self::Up
        } else {
            Self::Down
        };
        let (right, up, forward) = face.basis();
        let depth = dir.dot(forward);
        (face, Vec2::new(dir.dot(right), dir.dot(up)) / depth)
    }
}

/// The resampling pass as its shader sees it (`Resample` in `shaders/immersive.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq)]
pub struct ResampleUniform {
    /// Projection (0 fisheye, 1 equirect), half angle (radians), 1 / the faces' edge tangent,
    /// the faces rendered (bit i: [`CubeFace::ALL`]\[i\]; a direction on an edge of one that is
    /// not, within rounding, reads the front).
    pub params: Vec4,
}

impl ResampleUniform {
    #[must_use]
    pub fn new(immersive: Immersive, face_size: u32) -> Self {
        let kind = match immersive {
            Immersive::Fisheye { .. } => 0.0,
            Immersive::Equirect => 1.0,
        };
        let rendered = immersive
            .faces()
            .iter()
            .enumerate()
            .filter(|(_, on)| **on)
            .map(|(i, _)| 1 << i)
            .sum::<u8>();
        Self {
            params: Vec4::new(
                kind,
                immersive.half_angle(),
                1.0 / face_extent(face_size),
                f32::from(rendered),
            ),
        }
    }
}

/// The cube map and how to read it.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct CubeResample {
    #[uniform(0)]
    pub resample: ResampleUniform,
    #[texture(1)]
    #[sampler(7)]
    pub front: Handle<Image>,
    #[texture(2)]
    pub back: Handle<Image>,
    #[texture(3)]
    pub right: Handle<Image>,
    #[texture(4)]
    pub left: Handle<Image>,
    #[texture(5)]
    pub up: Handle<Image>,
    #[texture(6)]
    pub down: Handle<Image>,
}

impl CubeResample {
    /// Reading `faces` (in [`CubeFace::ALL`]'s order), each `face_size` texels, as `projection`.
    #[must_use]
    pub fn new(projection: Immersive, face_size: u32, faces: [Handle<Image>; 6]) -> Self {
        let [front, back, right, left, up, down] = faces;
        Self {
            resample: ResampleUniform::new(projection, face_size),
            front,
            back,
            right,
            left,
            up,
            down,
        }
    }
}

shaders::position_only_material!(CubeResample, shaders::IMMERSIVE, AlphaMode::Opaque);

/// What a rig made immersive has: its faces' images, cameras and the resampling pass.
#[derive(Component, Debug)]
pub struct CubeRig {
    projection: Immersive,
    faces: [Handle<Image>; 6],
    cameras: [Entity; 6],
    material: Handle<CubeResample>,
    face_size: u32,
}

impl CubeRig {
    /// The side of its faces, texels.
    #[must_use]
    pub fn face_size(&self) -> u32 {
        self.face_size
    }
}

/// A cube face's HDR image, `size` texels square.
fn face_image(size: u32) -> Image {
    let mut image = render_target_image(UVec2::splat(size), TextureFormat::Rgba16Float);
    image.sampler = ImageSampler::linear();
    image
}

/// A face camera's projection: a square frustum a guard wider than 90°.
fn face_projection(size: u32) -> Projection {
    Projection::Perspective(PerspectiveProjection {
        fov: 2.0 * face_extent(size).atan(),
        aspect_ratio: 1.0,
        ..default()
    })
}

/// Gives each newly immersive rig camera its six face cameras and its resampling pass.
fn build_rigs(
    mut commands: Commands,
    rigs: Query<(Entity, &Immersive), (With<CameraRig>, Without<CubeRig>)>,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<CubeResample>>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    for (rig, &projection) in &rigs {
        let size = UNSEEN_FACE; // until the rig's frame size is known
        let faces = CubeFace::ALL.map(|_| images.add(face_image(size)));
        let needed = projection.faces();
        let cameras = std::array::from_fn(|i| {
            commands
                .spawn((
                    Name::new(format!("Cube face {:?}", CubeFace::ALL[i])),
                    Camera3d::default(),
                    Camera {
                        // Before the rig's camera (order 0), which reads them.
                        order: i.cast_signed() - 6,
                        is_active: needed[i],
                        ..default()
                    },
                    RenderTarget::Image(faces[i].clone().into()),
                    Hdr,
                    // Linear HDR light out: the rig's camera blooms and tonemaps the whole frame.
                    Tonemapping::None,
                    DebandDither::Disabled,
                    face_projection(size),
                    Transform::from_rotation(CubeFace::ALL[i].rotation()),
                    ChildOf(rig),
                ))
                .id()
        });
        let material = materials.add(CubeResample::new(projection, size, faces.clone()));
        commands.spawn((
            Name::new("Cube map resampling"),
            Mesh3d(meshes.add(Rectangle::new(2.0, 2.0))),
            MeshMaterial3d(material.clone()),
            NoFrustumCulling,
            RenderLayers::layer(IMMERSIVE_LAYER),
        ));
        commands.entity(rig).insert((
            RenderLayers::layer(IMMERSIVE_LAYER),
            Msaa::Off,
            CubeRig {
                projection,
                faces,
                cameras,
                material,
                face_size: size,
            },
        ));
    }
}

/// Sizes the faces to the rig's frame (and follows a change of projection): as many texels per
/// radian as the frame needs, no more.
fn fit_faces(
    mut rigs: Query<(&Camera, &Immersive, &mut CubeRig)>,
    mut face_cameras: Query<(&mut Camera, &mut Projection, &mut RenderTarget), Without<CubeRig>>,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<CubeResample>>,
) {
    for (camera, &projection, mut rig) in &mut rigs {
        let Some(frame) = camera.physical_target_size() else {
            continue;
        };
        let size = projection.face_size(frame);
        if size == rig.face_size && projection == rig.projection {
            continue;
        }
        let needed = projection.faces();
        let sides = needed.map(|seen| if seen { size } else { UNSEEN_FACE });
        // New images, not new contents under the old handles: a material keeps the textures it
        // was prepared with, and a changed material is prepared again only once its new images
        // are on the GPU.
        let faces = sides.map(|side| images.add(face_image(side)));
        for (i, face) in faces.iter().enumerate() {
            if let Ok((mut face_camera, mut face_projection_now, mut target)) =
                face_cameras.get_mut(rig.cameras[i])
            {
                face_camera.is_active = needed[i];
                *face_projection_now = face_projection(sides[i]);
                *target = RenderTarget::Image(face.clone().into());
            }
        }
        if let Some(mut material) = materials.get_mut(&rig.material) {
            *material = CubeResample::new(projection, size, faces.clone());
        }
        rig.faces = faces;
        info!(
            "{projection:?} from a cube map of {} faces of {size}² texels",
            needed.iter().filter(|n| **n).count()
        );
        rig.face_size = size;
        rig.projection = projection;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOME: Immersive = Immersive::Fisheye { degrees: 180.0 };

    #[test]
    fn directions_and_pixels_are_inverse() {
        for projection in [
            DOME,
            Immersive::Fisheye { degrees: 220.0 },
            Immersive::Equirect,
        ] {
            for (u, v) in [
                (0.5, 0.5),
                (0.2, 0.3),
                (0.77, 0.61),
                (0.5, 0.05),
                (0.9, 0.5),
            ] {
                let uv = Vec2::new(u, v);
                let dir = projection.direction(uv).expect("inside the frame");
                assert!((dir.length() - 1.0).abs() < 1e-5);
                let back = projection.uv_of(dir).expect("seen");
                assert!(
                    back.distance(uv) < 1e-4,
                    "{projection:?} {uv} -> {dir} -> {back}"
                );
            }
        }
    }

    #[test]
    fn the_centre_looks_ahead_and_the_edges_where_they_should() {
        let looks = |projection: Immersive, (u, v): (f32, f32), towards: Vec3| {
            projection
                .direction(Vec2::new(u, v))
                .is_some_and(|dir| dir.distance(towards) < 1e-5)
        };
        assert!(looks(DOME, (0.5, 0.5), Vec3::NEG_Z));
        // A 180° dome's rim is the horizon of the view: right edge looks right, top looks up.
        assert!(looks(DOME, (1.0, 0.5), Vec3::X));
        assert!(looks(DOME, (0.5, 0.0), Vec3::Y));
        assert_eq!(
            DOME.direction(Vec2::new(0.0, 0.0)),
            None,
            "outside the circle"
        );
        assert_eq!(DOME.uv_of(Vec3::Z), None, "a dome does not see behind it");
        let pano = Immersive::Equirect;
        assert!(looks(pano, (0.75, 0.5), Vec3::X));
        assert!(looks(pano, (0.0, 0.5), Vec3::Z));
        assert!(looks(pano, (0.3, 0.0), Vec3::Y));
    }

    #[test]
    fn each_face_sees_its_own_directions() {
        for (i, face) in CubeFace::ALL.into_iter().enumerate() {
            assert_eq!(face.index(), i);
            let (right, up, forward) = face.basis();
            assert!(
                right.cross(up).distance(-forward) < 1e-6,
                "{face:?} is right-handed"
            );
            // The face camera, turned by its rotation, looks down its forward direction.
            assert!((face.rotation() * Vec3::NEG_Z).distance(forward) < 1e-6);
            assert!((face.rotation() * Vec3::Y).distance(up) < 1e-6);
            let dir = (forward + 0.5 * right - 0.25 * up).normalize();
            let (seen_by, tangent) = CubeFace::of(dir);
            assert_eq!(seen_by, face);
            assert!(tangent.distance(Vec2::new(0.5, -0.25)) < 1e-6);
        }
    }

    #[test]
    fn a_dome_renders_only_the_faces_it_sees() {
        let count = |p: Immersive| p.faces().iter().filter(|f| **f).count();
        assert_eq!(count(Immersive::Fisheye { degrees: 80.0 }), 1);
        assert_eq!(count(Immersive::Fisheye { degrees: 90.0 }), 1);
        assert_eq!(count(Immersive::Fisheye { degrees: 91.0 }), 5);
        assert_eq!(count(DOME), 5);
        assert!(!DOME.faces()[1], "not the back");
        assert_eq!(count(Immersive::Fisheye { degrees: 280.0 }), 6);
        assert_eq!(
            count(Immersive::Fisheye { degrees: 252.0 }),
            6,
            "the back's corners"
        );
        assert_eq!(count(Immersive::Equirect), 6);
    }

    #[test]
    fn every_direction_a_projection_sees_is_on_a_face_it_renders() {
        let mut angles: Vec<f32> = (1..=72).map(|i| i as f32 * 5.0).collect();
        angles.extend([89.9, 90.1, 250.0, 250.6, 251.0, 269.9, 270.1]);
        let projections = angles
            .into_iter()
            .map(|degrees| Immersive::Fisheye { degrees })
            .chain([Immersive::Equirect]);
        for projection in projections {
            let rendered = projection.faces();
            for y in 0..200 {
                for x in 0..200 {
                    let uv = Vec2::new((x as f32 + 0.5) / 200.0, (y as f32 + 0.5) / 200.0);
                    let Some(dir) = projection.direction(uv) else {
                        continue;
                    };
                    let (face, _) = CubeFace::of(dir);
                    assert!(
                        rendered[face.index()],
                        "{projection:?} sees {dir} on {face:?}, which it does not render"
                    );
                }
            }
        }
    }

    #[test]
    fn faces_are_as_detailed_as_the_frame() {
        // A 180° domemaster of 2048²: 1024 pixels over 90°, so a face of about 1304 + guard.
        let size = DOME.face_size(UVec2::splat(2048));
        assert_eq!(size, (2048.0 * 2.0 / PI).ceil() as u32 + 2 * GUARD);
        // 4096×2048 equirect: 4096 pixels over 360° → 1304 over 90°.
        assert_eq!(
            Immersive::Equirect.face_size(UVec2::new(4096, 2048)),
            (4096.0 / PI).ceil() as u32 + 2 * GUARD
        );
        let extent = face_extent(size);
        assert!(extent > 1.0 && (extent - 1.0) < 0.01);
    }

    #[test]
    fn frames_of_the_wrong_shape_are_refused() {
        assert!(DOME.check(1024, 1024).is_ok());
        assert_eq!(
            DOME.check(1280, 720),
            Err(ImmersiveError::NotSquare {
                width: 1280,
                height: 720
            })
        );
        assert!(Immersive::Equirect.check(2048, 1024).is_ok());
        assert!(Immersive::Equirect.check(2048, 1000).is_err());
        assert!(Immersive::Fisheye { degrees: 0.0 }.check(64, 64).is_err());
        assert!(Immersive::Fisheye { degrees: 400.0 }.check(64, 64).is_err());
    }
}
