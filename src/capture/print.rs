//! Print stills of any size: the frame rendered in tiles — each an off-centre slice of the one
//! view ([`SubCameraView`]) — and streamed into the PNG a band of rows at a time, so neither the
//! GPU's largest texture nor the machine's memory limits the print.
//!
//! Everything Dreamloom draws is computed per pixel from the world (sky, dunes, fog, threads,
//! motes: no shader reads the screen), so tiles meet without a seam by construction — except
//! bloom, which blurs across the screen and is sized to the view it runs on: a tile's own bloom
//! would be a quarter as wide as the whole frame's, and stop at the tile's edge. So the tiles are
//! rendered without bloom, and the bloom is rendered once for the whole frame, as a layer: the
//! frame at [`BLOOM_LAYER_SIDE`] with and without bloom, their difference in linear light, added
//! to every tile (bilinearly, at its place in the frame). Bloom's first level is 512 pixels high
//! whatever the frame's size, so the layer holds all the glow a full-size render would; and being
//! one image, it has no seams either.

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::Path,
};

use bevy::{camera::SubCameraView, color::Srgba, math::UVec2};
use image::RgbaImage;

use super::{HeadlessRenderer, RenderError};

/// Longest side of the bloom layer, pixels. Bloom's mip chain starts 512 pixels high whatever the
/// view, so a layer this size carries all of the whole frame's glow.
pub const BLOOM_LAYER_SIDE: u32 = 1024;
/// Longest side of a tile unless asked otherwise: a texture every GPU can hold.
pub const DEFAULT_TILE: u32 = 2048;
/// Largest side of a print, pixels (PNG's limit is far above; this keeps one band of rows, the
/// unit of memory, under a gigabyte).
pub const MAX_PRINT_SIDE: u32 = 65_535;

/// How a print is cut: `columns`×`rows` tiles of `tile` pixels each (the last column and row
/// cropped to the frame). Tiles keep the frame's shape, so each one's view is a slice of the
/// frame's view with the same proportions, and culling by the view's frustum stays conservative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tiling {
    pub width: u32,
    pub height: u32,
    /// Tiles across and down (the same number).
    pub cuts: u32,
    /// Size of every tile, pixels.
    pub tile: UVec2,
}

/// One tile: where it lies in the frame, and how much of it is inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub column: u32,
    pub row: u32,
    /// Top-left corner in the frame.
    pub at: UVec2,
    /// The part of the tile inside the frame.
    pub size: UVec2,
}

impl Tiling {
    /// Cuts a `width`×`height` frame so that no tile is longer than `max_tile` on either side.
    #[must_use]
    pub fn new(width: u32, height: u32, max_tile: u32) -> Self {
        let max_tile = max_tile.max(16);
        let cuts = width.max(height).div_ceil(max_tile).max(1);
        Self {
            width,
            height,
            cuts,
            tile: UVec2::new(width.div_ceil(cuts), height.div_ceil(cuts)),
        }
    }

    /// Tiles in the order their rows go into the file: row by row, left to right.
    pub fn tiles(&self) -> impl Iterator<Item = Tile> + '_ {
        (0..self.cuts).flat_map(move |row| {
            (0..self.cuts).filter_map(move |column| {
                let at = UVec2::new(column * self.tile.x, row * self.tile.y);
                (at.x < self.width && at.y < self.height).then(|| Tile {
                    column,
                    row,
                    at,
                    size: UVec2::new(
                        self.tile.x.min(self.width - at.x),
                        self.tile.y.min(self.height - at.y),
                    ),
                })
            })
        })
    }

    /// The slice of the frame's view that `tile` shows (the whole tile, even where it runs past
    /// the frame's edge: that part is cut off afterwards).
    #[must_use]
    pub fn view_of(&self, tile: &Tile) -> SubCameraView {
        SubCameraView {
            full_size: UVec2::new(self.width, self.height),
            offset: tile.at.as_vec2(),
            size: self.tile,
        }
    }
}

/// The size of the bloom layer for a `width`×`height` frame: its shape, the longest side at most
/// [`BLOOM_LAYER_SIDE`].
#[must_use]
pub fn layer_size(width: u32, height: u32) -> UVec2 {
    let scale = (BLOOM_LAYER_SIDE as f32 / width.max(height) as f32).min(1.0);
    UVec2::new(
        ((width as f32 * scale).round() as u32).max(1),
        ((height as f32 * scale).round() as u32).max(1),
    )
}

/// The bloom the whole frame gets, in linear light: what bloom adds to each pixel of the layer.
#[derive(Debug, Clone)]
pub struct BloomLayer {
    size: UVec2,
    /// Linear RGB added by bloom, per layer pixel.
    glow: Vec<[f32; 3]>,
}

impl BloomLayer {
    /// The difference between the frame with bloom and without, in linear light.
    ///
    /// # Panics
    /// When the two images differ in size.
    #[must_use]
    pub fn between(with: &RgbaImage, without: &RgbaImage) -> Self {
        assert_eq!(
            with.dimensions(),
            without.dimensions(),
            "layers of one size"
        );
        let decode = srgb_to_linear_table();
        let glow = with
            .pixels()
            .zip(without.pixels())
            .map(|(a, b)| std::array::from_fn(|c| decode[a[c] as usize] - decode[b[c] as usize]))
            .collect();
        Self {
            size: UVec2::from(with.dimensions()),
            glow,
        }
    }

    /// The glow at the centre of pixel (`x`, `y`) of a `width`×`height` frame, bilinearly.
    fn at(&self, x: u32, y: u32, width: u32, height: u32) -> [f32; 3] {
        let fx = ((x as f32 + 0.5) * self.size.x as f32 / width as f32 - 0.5)
            .clamp(0.0, (self.size.x - 1) as f32);
        let fy = ((y as f32 + 0.5) * self.size.y as f32 / height as f32 - 0.5)
            .clamp(0.0, (self.size.y - 1) as f32);
        let (x0, y0) = (fx.floor() as u32, fy.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(self.size.x - 1), (y0 + 1).min(self.size.y - 1));
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        let px = |x: u32, y: u32| self.glow[(y * self.size.x + x) as usize];
        let (a, b, c, d) = (px(x0, y0), px(x1, y0), px(x0, y1), px(x1, y1));
        std::array::from_fn(|i| {
            let top = a[i] + (b[i] - a[i]) * tx;
            let bottom = c[i] + (d[i] - c[i]) * tx;
            top + (bottom - top) * ty
        })
    }
}

/// sRGB byte → linear light.
fn srgb_to_linear_table() -> [f32; 256] {
    std::array::from_fn(|i| Srgba::gamma_function(i as f32 / 255.0))
}

/// Steps of the linear → sRGB table: fine enough that every byte survives the round trip.
const ENCODE_STEPS: usize = 1 << 16;

/// Linear light, in [`ENCODE_STEPS`] steps from 0 to 1 → sRGB byte.
fn linear_to_srgb_table() -> Vec<u8> {
    (0..ENCODE_STEPS)
        .map(|i| {
            let l = i as f32 / (ENCODE_STEPS - 1) as f32;
            (Srgba::gamma_function_inverse(l) * 255.0)
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect()
}

/// Adds the frame's bloom to tiles and writes them as RGB rows: the tables made once.
pub struct Compositor {
    layer: BloomLayer,
    decode: [f32; 256],
    encode: Vec<u8>,
}

impl Compositor {
    #[must_use]
    pub fn new(layer: BloomLayer) -> Self {
        Self {
            layer,
            decode: srgb_to_linear_table(),
            encode: linear_to_srgb_table(),
        }
    }

    /// Writes `tile`'s pixels (the part inside the frame of `tiling`), with the frame's bloom
    /// added, into `band`: RGB rows of the whole frame's width, starting at the tile's row.
    pub fn place(&self, tiling: &Tiling, tile: &Tile, pixels: &RgbaImage, band: &mut [u8]) {
        let stride = tiling.width as usize * 3;
        for y in 0..tile.size.y {
            let row = &mut band[y as usize * stride..(y as usize + 1) * stride];
            for x in 0..tile.size.x {
                let source = pixels.get_pixel(x, y);
                let (fx, fy) = (tile.at.x + x, tile.at.y + y);
                let glow = self.layer.at(fx, fy, tiling.width, tiling.height);
                let out = &mut row[fx as usize * 3..fx as usize * 3 + 3];
                for c in 0..3 {
                    let linear = (self.decode[source[c] as usize] + glow[c]).clamp(0.0, 1.0);
                    out[c] = self.encode[(linear * (ENCODE_STEPS - 1) as f32).round() as usize];
                }
            }
        }
    }
}

/// A PNG written a band of rows at a time.
pub struct PrintWriter {
    stream: png::StreamWriter<'static, BufWriter<File>>,
}

impl PrintWriter {
    /// Starts `path` as a `width`×`height` RGB PNG; with `dpi`, its physical size goes into the
    /// file (`pHYs`), so a print shop and layout programs see the print's size.
    pub fn create(path: &Path, width: u32, height: u32, dpi: Option<f32>) -> std::io::Result<Self> {
        let file = BufWriter::new(File::create(path)?);
        let mut encoder = png::Encoder::new(file, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        if let Some(dpi) = dpi {
            let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
            encoder.set_pixel_dims(Some(png::PixelDimensions {
                xppu: per_metre,
                yppu: per_metre,
                unit: png::Unit::Meter,
            }));
        }
        let writer = encoder.write_header().map_err(std::io::Error::other)?;
        let stream = writer.into_stream_writer().map_err(std::io::Error::other)?;
        Ok(Self { stream })
    }

    /// Appends rows (RGB, the frame's width each).
    pub fn rows(&mut self, rows: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(rows)
    }

    /// Completes the file.
    pub fn finish(self) -> std::io::Result<()> {
        self.stream.finish().map_err(std::io::Error::other)
    }
}

/// Renders a `tiling.width`×`tiling.height` print with `renderer` (any size; it is resized) into
/// `path`, telling `progress` after each tile (tiles done, tiles in all).
pub fn render_print(
    renderer: &mut HeadlessRenderer,
    tiling: &Tiling,
    dpi: Option<f32>,
    path: &Path,
    mut progress: impl FnMut(u32, u32),
) -> Result<(), PrintError> {
    // The whole frame's bloom, once.
    let layer = layer_size(tiling.width, tiling.height);
    renderer.resize(layer.x, layer.y);
    renderer.set_view(None);
    let with = renderer.capture()?;
    renderer.without_bloom();
    let without = renderer.capture()?;
    let compositor = Compositor::new(BloomLayer::between(&with, &without));
    drop((with, without));

    renderer.resize(tiling.tile.x, tiling.tile.y);
    let mut file = PrintWriter::create(path, tiling.width, tiling.height, dpi)?;
    let stride = tiling.width as usize * 3;
    let mut band = vec![0u8; stride * tiling.tile.y as usize];
    let total = tiling.tiles().count() as u32;
    let mut done = 0;
    for row in 0..tiling.cuts {
        let mut rows_in_band = 0;
        for tile in tiling.tiles().filter(|t| t.row == row) {
            renderer.set_view(Some(tiling.view_of(&tile)));
            let pixels = renderer.capture()?;
            compositor.place(tiling, &tile, &pixels, &mut band);
            rows_in_band = tile.size.y as usize;
            done += 1;
            progress(done, total);
        }
        file.rows(&band[..rows_in_band * stride])?;
    }
    file.finish()?;
    Ok(())
}

/// Why a print could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("could not write the print: {0}")]
    Write(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_frame_once_in_file_order() {
        let tiling = Tiling::new(1000, 563, 256);
        assert_eq!(tiling.cuts, 4);
        assert_eq!(tiling.tile, UVec2::new(250, 141));
        let mut covered = vec![0u8; 1000 * 563];
        let mut last = (0, 0);
        for tile in tiling.tiles() {
            assert!((tile.row, tile.column) >= last, "rows in file order");
            last = (tile.row, tile.column);
            for y in tile.at.y..tile.at.y + tile.size.y {
                for x in tile.at.x..tile.at.x + tile.size.x {
                    covered[(y * 1000 + x) as usize] += 1;
                }
            }
        }
        assert!(covered.iter().all(|&c| c == 1), "every pixel in one tile");
        // The last row is cropped: 563 = 3 × 141 + 140.
        let last = tiling.tiles().last().expect("tiles");
        assert_eq!(last.size, UVec2::new(250, 140));
    }

    #[test]
    fn a_small_frame_is_one_tile() {
        let tiling = Tiling::new(640, 360, DEFAULT_TILE);
        assert_eq!(tiling.cuts, 1);
        assert_eq!(tiling.tiles().count(), 1);
        let view = tiling.view_of(&tiling.tiles().next().expect("a tile"));
        assert_eq!(view.full_size, view.size);
    }

    #[test]
    fn tiles_keep_the_frames_shape() {
        let tiling = Tiling::new(16_384, 9_216, DEFAULT_TILE);
        assert_eq!(tiling.cuts, 8);
        assert_eq!(tiling.tile, UVec2::new(2048, 1152));
    }

    #[test]
    fn every_byte_survives_linear_light_and_back() {
        let decode = srgb_to_linear_table();
        let encode = linear_to_srgb_table();
        for byte in 0..=255u8 {
            let linear = decode[byte as usize];
            let back = encode[(linear * (ENCODE_STEPS - 1) as f32).round() as usize];
            assert_eq!(back, byte);
        }
    }

    #[test]
    fn the_layer_adds_bloom_where_the_frame_has_it() {
        let without = RgbaImage::from_pixel(4, 2, image::Rgba([20, 20, 20, 255]));
        let mut with = without.clone();
        with.put_pixel(3, 1, image::Rgba([120, 20, 20, 255]));
        let layer = BloomLayer::between(&with, &without);
        let compositor = Compositor::new(layer);
        // The frame is twice the layer's size: its bottom-right 2×2 is the glowing pixel's.
        let tiling = Tiling::new(8, 4, 8);
        let tile = tiling.tiles().next().expect("a tile");
        let plain = RgbaImage::from_pixel(8, 4, image::Rgba([20, 20, 20, 255]));
        let mut band = vec![0u8; 8 * 4 * 3];
        compositor.place(&tiling, &tile, &plain, &mut band);
        let red = |x: usize, y: usize| band[(y * 8 + x) * 3];
        assert_eq!(
            red(7, 3),
            120,
            "the glowing pixel's own place gets all its glow"
        );
        assert_eq!(red(0, 0), 20, "far from it, nothing");
        assert!(red(5, 3) > 20 && red(5, 3) < 120, "in between, some");
        assert_eq!(band[(3 * 8 + 7) * 3 + 1], 20, "green untouched");
    }

    #[test]
    fn dpi_goes_into_the_file() {
        let folder = crate::testing::TempDir::new("print-dpi");
        let path = folder.path().join("print.png");
        let mut writer = PrintWriter::create(&path, 3, 2, Some(300.0)).expect("created");
        writer.rows(&[200; 3 * 3]).expect("row 1");
        writer.rows(&[100; 3 * 3]).expect("row 2");
        writer.finish().expect("finished");
        let decoder = png::Decoder::new(std::io::BufReader::new(File::open(&path).expect("open")));
        let reader = decoder.read_info().expect("a png");
        let dims = reader.info().pixel_dims.expect("pHYs");
        assert_eq!(dims.xppu, 11_811, "300 dpi is 11,811 pixels a metre");
        assert_eq!(dims.unit, png::Unit::Meter);
        let image = image::open(&path).expect("decodes").to_rgb8();
        assert_eq!(image.get_pixel(2, 1).0, [100, 100, 100]);
    }
}
