//! Several projectors, one view: a layout file (RON) names each output's part of one continuous
//! wide view — off-axis slices of the one camera, so neighbours meet seamlessly — the pixels it
//! shares with its right-hand neighbour, blended across with a ramp that adds up in linear light,
//! and a corner-pin (a 4-point homography) for keystone and uneven walls. Plain data and
//! functions: the layout, its checks (each error names its field), the slices as
//! [`SubCameraView`]s, the blend weights and the warp.

use std::path::Path;

use bevy::{
    camera::SubCameraView,
    color::Srgba,
    math::{DMat3, DVec2, DVec3, UVec2},
};
use serde::{Deserialize, Serialize};

/// Widest the whole wall may be, pixels: live, it is one frame on the GPU, and 16384 is the
/// largest texture desktop GPUs (and lavapipe) take.
pub const MAX_WALL: u32 = 16_384;

/// A layout file: the outputs, left to right.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub outputs: Vec<OutputSpec>,
}

/// One projector's output.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Its name (also the file `render --outputs` writes for it).
    pub name: String,
    /// The monitor (display) it goes to, counted from 0.
    #[serde(default)]
    pub monitor: usize,
    /// Its size in pixels.
    pub size: (u32, u32),
    /// Pixels it shares with the next output to its right, blended across.
    #[serde(default)]
    pub overlap: u32,
    /// Where the frame's corners land on the output, as fractions of its size: top-left,
    /// top-right, bottom-right, bottom-left (default: the corners themselves).
    #[serde(default)]
    pub corners: Option<[(f64, f64); 4]>,
}

/// A layout refused, naming the field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LayoutError {
    #[error("could not read the layout {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the layout {path} is not valid RON: {reason}")]
    Parse { path: String, reason: String },
    #[error("the layout has no outputs: give at least one in `outputs`")]
    Empty,
    #[error("outputs[{index}].size: {width}×{height} is not a size (1 to 16384 pixels a side)")]
    Size {
        index: usize,
        width: u32,
        height: u32,
    },
    #[error(
        "outputs[{index}].overlap: {overlap} px is wider than {what} ({width} px); an overlap must \
         leave each output some pixels of its own"
    )]
    Overlap {
        index: usize,
        overlap: u32,
        what: &'static str,
        width: u32,
    },
    #[error(
        "outputs[{index}].overlap: the last output has no neighbour to its right to share {overlap} px with"
    )]
    LastOverlap { index: usize, overlap: u32 },
    #[error(
        "outputs[{index}].size: every output of one wall has the same height ({expected} px), not {height}"
    )]
    Height {
        index: usize,
        expected: u32,
        height: u32,
    },
    #[error("outputs[{index}].monitor: there is no monitor {monitor} (this machine has {count})")]
    Monitor {
        index: usize,
        monitor: usize,
        count: usize,
    },
    #[error(
        "outputs[{index}].corners: the four corners must make a convex shape in order (top-left, \
         top-right, bottom-right, bottom-left); these are bent or crossed"
    )]
    Bent { index: usize },
    #[error(
        "outputs: together the outputs make a view {width} px wide, more than the {MAX_WALL} px \
         one frame can be on the GPU; use fewer or narrower outputs, or more overlap"
    )]
    Wall { width: u32 },
    #[error("outputs[{index}].name: \"{name}\" is used twice")]
    Name { index: usize, name: String },
    #[error(
        "outputs[{index}].name: \"{name}\" must be letters, digits, '-' or '_' (it names the \
         output's file)"
    )]
    NameCharacters { index: usize, name: String },
}

impl Layout {
    /// Reads and checks the layout at `path`; with `monitors`, that each output's monitor exists.
    pub fn load(path: &Path, monitors: Option<usize>) -> Result<Self, LayoutError> {
        let text = std::fs::read_to_string(path).map_err(|e| LayoutError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, monitors).map_err(|e| match e {
            LayoutError::Parse { reason, .. } => LayoutError::Parse {
                path: path.display().to_string(),
                reason,
            },
            other => other,
        })
    }

    /// Parses and checks a layout.
    pub fn parse(text: &str, monitors: Option<usize>) -> Result<Self, LayoutError> {
        let layout: Self = ron::from_str(text).map_err(|e| LayoutError::Parse {
            path: String::new(),
            reason: e.to_string(),
        })?;
        layout.check(monitors)?;
        Ok(layout)
    }

    /// The layout as a layout file says it (pretty RON), which [`Self::parse`] reads back.
    #[must_use]
    pub fn to_ron(&self) -> String {
        ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .expect("a layout always serialises")
    }

    /// Every rule a layout must keep.
    pub fn check(&self, monitors: Option<usize>) -> Result<(), LayoutError> {
        let Some(first) = self.outputs.first() else {
            return Err(LayoutError::Empty);
        };
        let last = self.outputs.len() - 1;
        for (index, output) in self.outputs.iter().enumerate() {
            let (width, height) = output.size;
            if !(1..=16_384).contains(&width) || !(1..=16_384).contains(&height) {
                return Err(LayoutError::Size {
                    index,
                    width,
                    height,
                });
            }
            if height != first.size.1 {
                return Err(LayoutError::Height {
                    index,
                    expected: first.size.1,
                    height,
                });
            }
            if output.name.is_empty()
                || !output
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(LayoutError::NameCharacters {
                    index,
                    name: output.name.clone(),
                });
            }
            if self.outputs[..index].iter().any(|o| o.name == output.name) {
                return Err(LayoutError::Name {
                    index,
                    name: output.name.clone(),
                });
            }
            if index == last && output.overlap > 0 {
                return Err(LayoutError::LastOverlap {
                    index,
                    overlap: output.overlap,
                });
            }
            // What the output shares on both sides must leave it some pixels of its own.
            let shared_left = if index > 0 {
                self.outputs[index - 1].overlap
            } else {
                0
            };
            if output.overlap.saturating_add(shared_left) >= width {
                return Err(LayoutError::Overlap {
                    index,
                    overlap: output.overlap,
                    what: "the output",
                    width,
                });
            }
            if let Some(next) = self.outputs.get(index + 1)
                && output.overlap >= next.size.0
            {
                return Err(LayoutError::Overlap {
                    index,
                    overlap: output.overlap,
                    what: "the next output",
                    width: next.size.0,
                });
            }
            if let Some(count) = monitors
                && output.monitor >= count
            {
                return Err(LayoutError::Monitor {
                    index,
                    monitor: output.monitor,
                    count,
                });
            }
            if let Some(corners) = output.corners
                && !convex_in_order(&corners)
            {
                return Err(LayoutError::Bent { index });
            }
        }
        let wall = self.full_size().x;
        if wall > MAX_WALL {
            return Err(LayoutError::Wall { width: wall });
        }
        Ok(())
    }

    /// The one wide view all outputs are slices of: their widths less what they share.
    #[must_use]
    pub fn full_size(&self) -> UVec2 {
        let width: u32 = self.outputs.iter().map(|o| o.size.0 - o.overlap).sum();
        UVec2::new(width, self.outputs.first().map_or(1, |o| o.size.1))
    }

    /// Where output `index` begins in the wide view, pixels from its left edge.
    #[must_use]
    pub fn offset_of(&self, index: usize) -> u32 {
        self.outputs[..index]
            .iter()
            .map(|o| o.size.0 - o.overlap)
            .sum()
    }

    /// Output `index`'s slice of the wide view: an off-axis frustum of the one camera.
    #[must_use]
    pub fn view_of(&self, index: usize) -> SubCameraView {
        let output = &self.outputs[index];
        SubCameraView {
            full_size: self.full_size(),
            offset: bevy::math::Vec2::new(self.offset_of(index) as f32, 0.0),
            size: UVec2::new(output.size.0, output.size.1),
        }
    }

    /// The blend weight (linear light, 0–1) of column `x` of output `index`: 1 where it is alone,
    /// ramping down across the pixels it shares with a neighbour so that the two outputs' light
    /// adds up to 1 there.
    #[must_use]
    pub fn blend_weight(&self, index: usize, x: u32) -> f32 {
        let width = self.outputs[index].size.0;
        let right = self.outputs[index].overlap;
        let left = if index > 0 {
            self.outputs[index - 1].overlap
        } else {
            0
        };
        let centre = x as f32 + 0.5;
        let mut weight = 1.0;
        if left > 0 && centre < left as f32 {
            weight *= ramp(centre / left as f32);
        }
        if right > 0 && centre > (width - right) as f32 {
            weight *= 1.0 - ramp((centre - (width - right) as f32) / right as f32);
        }
        weight
    }
}

/// The blend ramp: a smooth rise from 0 to 1 across an overlap, `ramp(t) + ramp(1 − t) = 1`.
fn ramp(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Whether four corners, in order, make a convex quadrilateral (all turns the same way).
fn convex_in_order(corners: &[(f64, f64); 4]) -> bool {
    let turns: Vec<f64> = (0..4)
        .map(|i| {
            let a = DVec2::from(corners[i]);
            let b = DVec2::from(corners[(i + 1) % 4]);
            let c = DVec2::from(corners[(i + 2) % 4]);
            (b - a).perp_dot(c - b)
        })
        .collect();
    turns.iter().all(|&t| t > 1e-9) || turns.iter().all(|&t| t < -1e-9)
}

/// The homography taking the unit square's corners (0,0), (1,0), (1,1), (0,1) to `corners`.
#[must_use]
pub fn homography(corners: &[(f64, f64); 4]) -> DMat3 {
    // Heckbert's square-to-quad mapping.
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = *corners;
    let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
    let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
    let (g, h) = if dx3.abs() < 1e-12 && dy3.abs() < 1e-12 {
        (0.0, 0.0)
    } else {
        let det = dx1 * dy2 - dx2 * dy1;
        ((dx3 * dy2 - dx2 * dy3) / det, (dx1 * dy3 - dx3 * dy1) / det)
    };
    DMat3::from_cols(
        DVec3::new(x1 - x0 + g * x1, y1 - y0 + g * y1, g),
        DVec3::new(x3 - x0 + h * x3, y3 - y0 + h * y3, h),
        DVec3::new(x0, y0, 1.0),
    )
}

/// Where `point` of the unit square lands under `h`.
#[must_use]
pub fn apply(h: &DMat3, point: DVec2) -> DVec2 {
    let p = *h * point.extend(1.0);
    DVec2::new(p.x / p.z, p.y / p.z)
}

/// Output `index`'s frame as its projector shows it: `slice` (its part of the wide view, rendered
/// through [`Layout::view_of`]) with the edge blend applied in linear light and warped by its
/// corner-pin (outside the pinned shape: black).
#[must_use]
pub fn finish_output(layout: &Layout, index: usize, slice: &image::RgbaImage) -> image::RgbaImage {
    let output = &layout.outputs[index];
    let (width, height) = slice.dimensions();
    let decode = |c: u8| Srgba::gamma_function(f32::from(c) / 255.0);
    let encode = |l: f32| {
        (Srgba::gamma_function_inverse(l) * 255.0)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    // The blend, column by column.
    let mut blended = slice.clone();
    for x in 0..width {
        let weight = layout.blend_weight(index, x);
        if (weight - 1.0).abs() < f32::EPSILON {
            continue;
        }
        for y in 0..height {
            let pixel = blended.get_pixel_mut(x, y);
            for c in 0..3 {
                pixel[c] = encode(decode(pixel[c]) * weight);
            }
        }
    }
    let Some(corners) = output.corners else {
        return blended;
    };
    // The warp: each output pixel looks back through the inverse corner-pin.
    let inverse = homography(&corners).inverse();
    let mut warped = image::RgbaImage::from_pixel(width, height, image::Rgba([0, 0, 0, 255]));
    for (x, y, pixel) in warped.enumerate_pixels_mut() {
        let at = DVec2::new(
            (f64::from(x) + 0.5) / f64::from(width),
            (f64::from(y) + 0.5) / f64::from(height),
        );
        let source = apply(&inverse, at);
        if !(0.0..=1.0).contains(&source.x) || !(0.0..=1.0).contains(&source.y) {
            continue;
        }
        let sx = (source.x * f64::from(width) - 0.5).clamp(0.0, f64::from(width - 1));
        let sy = (source.y * f64::from(height) - 0.5).clamp(0.0, f64::from(height - 1));
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
        let (tx, ty) = (sx - f64::from(x0), sy - f64::from(y0));
        for c in 0..3 {
            let at = |px: u32, py: u32| f64::from(decode(blended.get_pixel(px, py)[c]));
            let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * tx;
            let bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * tx;
            pixel[c] = encode((top + (bottom - top) * ty) as f32);
        }
    }
    warped
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREE: &str = r#"(outputs: [
        (name: "left", monitor: 0, size: (1920, 1080), overlap: 240),
        (name: "middle", monitor: 1, size: (1920, 1080), overlap: 240),
        (name: "right", monitor: 2, size: (1920, 1080),
         corners: Some(((0.02, 0.0), (1.0, 0.03), (0.97, 1.0), (0.0, 0.98)))),
    ])"#;

    #[test]
    fn three_projectors_make_one_wide_view() {
        let layout = Layout::parse(THREE, Some(3)).expect("a good layout");
        assert_eq!(layout.full_size(), UVec2::new(1920 * 3 - 480, 1080));
        assert_eq!(layout.offset_of(1), 1680);
        let middle = layout.view_of(1);
        assert!((middle.offset.x - 1680.0).abs() < f32::EPSILON);
        assert_eq!(middle.size, UVec2::new(1920, 1080));
    }

    #[test]
    fn the_blend_adds_up_to_one_across_an_overlap() {
        let layout = Layout::parse(THREE, None).expect("a good layout");
        for k in 0..240 {
            // Column k of the overlap: column 1680 + k of the left output, k of the middle one.
            let sum = layout.blend_weight(0, 1680 + k) + layout.blend_weight(1, k);
            assert!((sum - 1.0).abs() < 1e-5, "column {k}: {sum}");
        }
        assert!((layout.blend_weight(0, 100) - 1.0).abs() < 1e-6);
        assert!(layout.blend_weight(0, 1919) < 0.01);
        assert!(layout.blend_weight(1, 0) < 0.01);
    }

    #[test]
    fn mistakes_are_named_by_their_field() {
        let wide = THREE.replace(
            "overlap: 240),\n        (name: \"middle\"",
            "overlap: 2400),\n        (name: \"middle\"",
        );
        let error = Layout::parse(&wide, None).unwrap_err();
        assert!(
            error.to_string().starts_with("outputs[0].overlap:"),
            "{error}"
        );
        let error = Layout::parse(THREE, Some(2)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "outputs[2].monitor: there is no monitor 2 (this machine has 2)"
        );
        let bent = THREE.replace("(0.97, 1.0), (0.0, 0.98)", "(0.0, 0.98), (0.97, 1.0)");
        let error = Layout::parse(&bent, None).unwrap_err();
        assert_eq!(error, LayoutError::Bent { index: 2 });
        assert!(error.to_string().starts_with("outputs[2].corners:"));
        let error = Layout::parse(
            "(outputs: [(name: \"a\", size: (10, 10), colour: 3)])",
            None,
        )
        .unwrap_err();
        assert!(error.to_string().contains("colour"), "{error}");
        // Five 4K projectors sharing 240 px: 18240 px, more than one frame can be.
        let five = (0..5)
            .map(|i| {
                let overlap = if i < 4 { 240 } else { 0 };
                format!("(name: \"p{i}\", size: (3840, 2160), overlap: {overlap})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let error = Layout::parse(&format!("(outputs: [{five}])"), None).unwrap_err();
        assert_eq!(error, LayoutError::Wall { width: 18_240 });
        assert!(error.to_string().starts_with("outputs: "), "{error}");
        // An overlap near u32::MAX is refused, not an overflow.
        let huge = THREE.replace(
            "overlap: 240),\n        (name: \"right\"",
            "overlap: 4294967295),\n        (name: \"right\"",
        );
        assert!(Layout::parse(&huge, None).is_err());
    }

    #[test]
    fn a_layout_written_out_reads_back_the_same() {
        let layout = Layout::parse(THREE, Some(3)).expect("a good layout");
        let text = layout.to_ron();
        assert_eq!(Layout::parse(&text, Some(3)), Ok(layout), "{text}");
    }

    #[test]
    fn a_corner_pin_takes_the_square_to_its_corners() {
        let corners = [(0.1, 0.05), (0.95, 0.0), (1.0, 1.0), (0.0, 0.9)];
        let h = homography(&corners);
        for (i, unit) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
            .iter()
            .enumerate()
        {
            let landed = apply(&h, DVec2::from(*unit));
            assert!(
                landed.distance(DVec2::from(corners[i])) < 1e-9,
                "corner {i}: {landed}"
            );
        }
        let identity = homography(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        assert!(apply(&identity, DVec2::new(0.3, 0.7)).distance(DVec2::new(0.3, 0.7)) < 1e-12);
    }
}
