//! What an output's quad is drawn with: its uniform ([`ProjectorUniform`], mirrored by
//! `Projector` in `shaders/projector.wgsl`), the material, and the images the frames go into.

use bevy::{
    math::DMat3,
    prelude::*,
    render::render_resource::{AsBindGroup, ShaderType, TextureFormat},
};

use crate::{
    camera::render_target_image,
    outputs::{self, Layout},
    shaders,
};

/// One output as its shader sees it (`Projector` in `projector.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq)]
pub struct ProjectorUniform {
    /// Its slice of the wide frame, pixels: left, top, width, height.
    pub slice: Vec4,
    /// The wide frame's width and height, pixels; the overlap shared with the output on the left
    /// and with the one on the right, pixels.
    pub frame: Vec4,
    /// The rows of the inverse corner-pin, taking the output's uv (`0..1`, y down) to the frame's.
    pub inverse_x: Vec4,
    pub inverse_y: Vec4,
    pub inverse_w: Vec4,
    /// 1 draws the calibration grid instead of the picture; unused ×3.
    pub mode: Vec4,
}

impl ProjectorUniform {
    /// Output `index` of `layout`.
    #[must_use]
    pub fn new(layout: &Layout, index: usize, calibrate: bool) -> Self {
        let output = &layout.outputs[index];
        let full = layout.full_size();
        let left = index
            .checked_sub(1)
            .map_or(0, |before| layout.outputs[before].overlap);
        let inverse = output.corners.map_or(DMat3::IDENTITY, |corners| {
            outputs::homography(&corners).inverse()
        });
        let row = |r: usize| inverse.row(r).as_vec3().extend(0.0);
        Self {
            slice: Vec4::new(
                layout.offset_of(index) as f32,
                0.0,
                output.size.0 as f32,
                output.size.1 as f32,
            ),
            frame: Vec4::new(
                full.x as f32,
                full.y as f32,
                left as f32,
                output.overlap as f32,
            ),
            inverse_x: row(0),
            inverse_y: row(1),
            inverse_w: row(2),
            mode: Vec4::new(if calibrate { 1.0 } else { 0.0 }, 0.0, 0.0, 0.0),
        }
    }
}

/// What an output's quad is drawn with: its uniform and the wide frame (read texel by texel with
/// `textureLoad` and filtered in the shader, so that each texel is blended before the bilinear
/// filter and the filter stays within the slice, as in [`outputs::finish_output`]).
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone, PartialEq)]
pub struct ProjectorMaterial {
    #[uniform(0)]
    pub projector: ProjectorUniform,
    #[texture(1)]
    pub frame: Handle<Image>,
}

shaders::position_only_material!(ProjectorMaterial, shaders::PROJECTOR, AlphaMode::Opaque);

/// The image the piece's camera renders the wide view into, and each headless output into.
pub(super) fn frame_image(size: UVec2) -> Image {
    render_target_image(size, TextureFormat::Rgba8UnormSrgb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::math::DVec2;

    #[test]
    fn the_uniform_places_the_slice_and_undoes_the_corner_pin() {
        let layout = Layout::parse(super::super::TWO_FOR_TESTS, None).unwrap();
        let left = ProjectorUniform::new(&layout, 0, false);
        assert_eq!(left.slice, Vec4::new(0.0, 0.0, 320.0, 180.0));
        assert_eq!(left.frame, Vec4::new(576.0, 180.0, 0.0, 64.0));
        assert_eq!(left.inverse_x, Vec4::new(1.0, 0.0, 0.0, 0.0));
        let right = ProjectorUniform::new(&layout, 1, true);
        assert_eq!(right.slice, Vec4::new(256.0, 0.0, 320.0, 180.0));
        assert_eq!(right.frame, Vec4::new(576.0, 180.0, 64.0, 0.0));
        assert!((right.mode.x - 1.0).abs() < f32::EPSILON);
        // The inverse takes each pinned corner back to the frame's corner, as the shader uses it.
        let corners = layout.outputs[1].corners.expect("pinned");
        for (corner, unit) in corners
            .iter()
            .zip([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])
        {
            let p = Vec3::new(corner.0 as f32, corner.1 as f32, 1.0);
            let q = Vec3::new(
                right.inverse_x.truncate().dot(p),
                right.inverse_y.truncate().dot(p),
                right.inverse_w.truncate().dot(p),
            );
            let back = DVec2::new(f64::from(q.x / q.z), f64::from(q.y / q.z));
            assert!(
                back.distance(DVec2::from(unit)) < 1e-5,
                "{corner:?}: {back}"
            );
        }
    }
}
