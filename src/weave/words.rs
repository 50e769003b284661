//! The words on the cloak: while a thread speaks (see `voices`), its dream appears along it, riding
//! the thread's own path in its colours; when the protocol dissolves the thread or it unravels, the
//! words fray and lift away with it.
//!
//! Each speaking thread's text is shaped once on the CPU (`crate::text`: parley, so right-to-left
//! scripts come already in visual order), fitted to the thread's length (scaled down a little,
//! then cut short with an ellipsis), and its glyphs are packed into one atlas texture. A storage
//! buffer holds one record per glyph — its thread's buffer entry, where along the thread it sits,
//! its quad and its place in the atlas — and `shaders/words.wgsl` lays every glyph on its thread
//! with the path functions the threads themselves are drawn with (`shaders/cloth.wgsl`). Every
//! word on the cloak is one draw call.

use std::collections::HashMap;

use bevy::{
    asset::RenderAssetUsages,
    camera::visibility::NoFrustumCulling,
    image::ImageSampler,
    prelude::*,
    render::{
        render_resource::{AsBindGroup, Extent3d, ShaderType, TextureDimension, TextureFormat},
        storage::ShaderBuffer,
    },
};
use unicode_segmentation::UnicodeSegmentation;

use super::{
    Cloak, CloakShape, cloak_uniform,
    gpu::{CloakUniform, GpuThread, ThreadMaterial},
    loom::{Loom, LoomThread, SLOT_GLIDE_SECONDS, WARP_THREADS},
    path,
    voices::{Voice, Voices},
};
use crate::{
    clock::DreamClock,
    hash::{splitmix64, unit},
    narrative::{NarrativeArchive, NarrativeId},
    shaders,
    text::{GlyphAtlas, Shaped, TextLook, TextStack, Texts},
};

/// Side of the glyph atlas, texels: room for some two thousand glyphs at [`RASTER_SIZE`].
pub const ATLAS_SIDE: u32 = 2048;
/// Pixels per em the words are shaped and their glyphs rasterised at.
pub const RASTER_SIZE: f32 = 48.0;
/// World units per em of the words on the cloak. Capitals stand about 0.15 units tall: on a
/// 1080p kiosk screen showing the 7-unit cloak from 11 units away, a line of words is some 26
/// pixels high, read from a step back.
pub const WORD_EM: f32 = 0.22;
/// Smallest a line of words is scaled to, as a share of [`WORD_EM`], before it is cut short.
pub const MIN_WORD_SCALE: f32 = 0.75;
/// Of a thread's length, what is kept free of words at each end (threads taper there).
pub const END_MARGIN: f32 = 0.05;
/// Height of the words' baseline above their thread's centre line, world units: just clear of
/// the widest thread.
pub const BASELINE_LIFT: f32 = 0.06;
/// Light of the words (HDR, as a thread's glow), enough to read over the threads beneath.
pub const WORD_BRIGHTNESS: f32 = 1.6;
/// How far words lighten their thread's colours toward white, so that dark hues still read (more,
/// and the tonemapper would wash the words out to white).
const WORD_WHITENING: f32 = 0.15;
/// Seconds words take to appear when their thread begins to speak (`FADE_IN_SECONDS` in
/// `words.wgsl`).
pub const FADE_IN_SECONDS: f32 = 0.8;
/// Seconds words take to fade when their thread stops speaking (`FADE_OUT_SECONDS` in
/// `words.wgsl`).
pub const FADE_OUT_SECONDS: f32 = 1.2;
/// Of a thread's fraying (`0..1`), the share over which its glyphs begin to lift, each at its
/// own moment (`FRAY_SPREAD` in `words.wgsl`).
pub const FRAY_SPREAD: f32 = 0.6;
/// The character a line cut short ends with.
pub const ELLIPSIS: &str = "\u{2026}";
/// Samples along a thread when measuring its length.
const ARC_SAMPLES: usize = 64;
/// Seconds of the dream clock after which a speaking thread's glyphs are spaced along it again:
/// its waves ripple and wander, and glyphs spaced by its length a while ago would bunch on one
/// slope and gape on the next. Re-spacing (not re-shaping: the fitted line is kept) twenty times
/// a second keeps the gaps even.
const RELAY_SECONDS: f32 = 0.05;
/// Steps of thread length the words are fitted to (2 %): a thread's ripple changes its length a
/// little all the time; its words are fitted again only when the step changes.
const REFIT_STEP: f32 = 1.02;

/// The moment words are spaced for at `now`: the last multiple of [`RELAY_SECONDS`], so that
/// spacing depends on the clock alone, not on which frames came before.
fn relay_time(now: f32) -> f32 {
    (now / RELAY_SECONDS).floor() * RELAY_SECONDS
}

/// `length` to the nearest step of [`REFIT_STEP`].
fn fitting_length(length: f32) -> f32 {
    if length <= 0.0 {
        return 0.0;
    }
    REFIT_STEP.powf((length.ln() / REFIT_STEP.ln()).round())
}
/// Sorts the words after everything else drawn with transparency — after the threads, which
/// they must lie over — whatever the camera does: far more than any distance in the scene.
const WORDS_DEPTH_BIAS: f32 = 1.0e6;

/// One glyph in the storage buffer (`Glyph` in `words.wgsl`).
#[derive(ShaderType, Debug, Clone, Copy, PartialEq, Default)]
pub struct GpuGlyph {
    /// Its thread's buffer entry, where along the thread the centre of its quad lies (`0..1` of
    /// the thread's u), its own random number for fraying (`0..1`), and 1 for a glyph that is
    /// drawn (0: spare room in the buffer).
    pub place: Vec4,
    /// Its quad, world units: half its width along the thread, its bottom above the thread's
    /// centre line, its height, and the size of one atlas texel.
    pub quad: Vec4,
    /// Its rectangle in the atlas, `0..1`: left, top, right, bottom.
    pub uv: Vec4,
    /// Linear RGB, brightness.
    pub colour: Vec4,
    /// When its thread began to speak and when it stopped (negative: it still speaks), clock
    /// seconds; unused; unused.
    pub voice: Vec4,
}

/// The material every word on the cloak is drawn with: the threads' own uniform and buffer, so
/// that words ride their threads, the glyphs, and the atlas they sample.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct WordsMaterial {
    #[uniform(0)]
    pub cloak: CloakUniform,
    #[storage(1, read_only)]
    pub threads: Handle<ShaderBuffer>,
    #[storage(2, read_only)]
    pub glyphs: Handle<ShaderBuffer>,
    #[texture(3)]
    #[sampler(4)]
    pub atlas: Handle<Image>,
}

// Words are ink over light, not more light: blended (premultiplied), so that each glyph carries
// a soft dark halo that parts it from the glowing threads beneath — additive words would only
// brighten threads of their own colour, and read worst where the cloak is brightest. Blending
// depends on order, so the words are sorted after the threads (a depth bias far beyond the
// scene's depths).
shaders::position_only_material!(
    WordsMaterial,
    shaders::WORDS,
    AlphaMode::Premultiplied,
    depth_bias = WORDS_DEPTH_BIAS
);

/// Glyphs the buffer and mesh make room for: the next power of two, at least 1,024, so that voices
/// coming and going resize them only now and then.
#[must_use]
pub fn glyph_capacity(glyphs: usize) -> u32 {
    u32::try_from(glyphs.max(1024).next_power_of_two()).expect("fewer than 2^31 glyphs")
}

/// The address mesh for `glyphs` quads: each vertex is (corner x 0|1, corner y 0|1, glyph index).
#[must_use]
pub fn word_mesh(glyphs: u32) -> Mesh {
    crate::shaders::quad_addresses(glyphs, 0.0)
}

/// How far a glyph has frayed off its thread, `0` (whole) to `1` (gone), as `words.wgsl` reckons
/// it: as the protocol dissolves the thread (its `presence` falls from 1) or it unravels, each
/// glyph lifts away at its own moment, set by its `random` number (`0..1`). A thread in the
/// Sanctuary keeps its words whole against the protocol, though not when it is withdrawn.
#[must_use]
pub fn glyph_fray(presence: f32, unravelled: f32, sanctuary: bool, random: f32) -> f32 {
    let dissolving = if sanctuary {
        0.0
    } else {
        (1.0 - presence).clamp(0.0, 1.0)
    };
    let fray = dissolving.max(unravelled.clamp(0.0, 1.0));
    ((fray - FRAY_SPREAD * random) / (1.0 - FRAY_SPREAD)).clamp(0.0, 1.0)
}

/// Where a fraying glyph has drifted, world units, as `words.wgsl` moves it: off the cloth along
/// `out` (the cloth's normal on the viewer's side), up and a little aside, each glyph its own way
/// (`drift`: three numbers in `0..1`). Nothing while `fray` is 0.
#[must_use]
pub fn fray_offset(fray: f32, drift: Vec3, out: Vec3) -> Vec3 {
    fray * fray
        * (out * (0.3 + 0.5 * drift.x) + Vec3::new(0.6 * (drift.y - 0.5), 0.9 + 0.9 * drift.z, 0.0))
}

/// A thread's length along its path, sampled at evenly spaced u, so that glyphs can be spaced
/// evenly in length whatever the folds and waves do to the path.
#[derive(Debug, Clone, PartialEq)]
pub struct ArcLength {
    /// Length from the thread's start to each sample (the first is 0).
    lengths: Vec<f32>,
}

impl ArcLength {
    /// The length through `points`, taken at evenly spaced u from 0 to 1.
    #[must_use]
    pub fn from_points(points: &[Vec3]) -> Self {
        let mut lengths = Vec::with_capacity(points.len().max(1));
        lengths.push(0.0);
        let mut total = 0.0;
        for pair in points.windows(2) {
            total += pair[0].distance(pair[1]);
            lengths.push(total);
        }
        Self { lengths }
    }

    /// Buffer entry `entry`'s length at clock time `t`, along the path the GPU draws.
    #[must_use]
    pub fn of_thread(cloak: &CloakUniform, thread: &GpuThread, entry: u32, t: f32) -> Self {
        let points: Vec<Vec3> = (0..=ARC_SAMPLES)
            .map(|i| path::thread_point(cloak, thread, entry, i as f32 / ARC_SAMPLES as f32, t))
            .collect();
        Self::from_points(&points)
    }

    /// The whole length, world units.
    #[must_use]
    pub fn total(&self) -> f32 {
        self.lengths.last().copied().unwrap_or(0.0)
    }

    /// The u (`0..=1`) that lies `distance` along the thread from its start.
    #[must_use]
    pub fn u_at(&self, distance: f32) -> f32 {
        let segments = self.lengths.len().saturating_sub(1);
        let total = self.total();
        if segments == 0 || total <= 0.0 || !distance.is_finite() {
            return 0.5;
        }
        let distance = distance.clamp(0.0, total);
        let after = self
            .lengths
            .partition_point(|&length| length < distance)
            .clamp(1, segments);
        let (a, b) = (self.lengths[after - 1], self.lengths[after]);
        let within = if b > a { (distance - a) / (b - a) } else { 0.0 };
        ((after - 1) as f32 + within) / segments as f32
    }
}

/// A speaking thread's words, shaped and fitted to its length.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The glyphs, in visual order: left to right, whatever the script's direction.
    pub shaped: Shaped,
    /// World units per pixel of `shaped`.
    pub scale: f32,
    /// Where the line's left end lies along the thread, world units from the thread's start.
    pub start: f32,
    /// The length of thread it was fitted to, world units.
    pub length: f32,
    /// Whether the text was cut short (and ends with an ellipsis).
    pub cut: bool,
}

impl Line {
    /// Width of the line along its thread, world units.
    #[must_use]
    pub fn width(&self) -> f32 {
        pixel_width(&self.shaped) * self.scale
    }
}

/// The left and right ends of a shaped line's glyphs, pixels.
fn extent(shaped: &Shaped) -> (f32, f32) {
    shaped.ink_extent().unwrap_or((0.0, 0.0))
}

fn pixel_width(shaped: &Shaped) -> f32 {
    let (left, right) = extent(shaped);
    right - left
}

/// The baseline the line's glyphs sit on (most of them: marks may sit above or below it), pixels
/// down from the layout's top.
fn baseline_of(shaped: &Shaped) -> f32 {
    let mut ys: Vec<f32> = shaped.glyphs.iter().map(|g| g.y).collect();
    ys.sort_by(f32::total_cmp);
    ys.get(ys.len() / 2).copied().unwrap_or(0.0)
}

/// The words as one line: line breaks and runs of spaces become single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Shapes `text` to lie along a thread `length` world units long: at [`WORD_EM`] if it fits,
/// scaled down as far as [`MIN_WORD_SCALE`] if that makes it fit, or else cut short at a word (at
/// a letter when even the first word is too long) and ended with an ellipsis — at the text's end,
/// which for a right-to-left script is the line's left. The line is centred on the thread and
/// keeps [`END_MARGIN`] clear of its ends.
pub fn fit_line(stack: &mut TextStack, text: &str, length: f32) -> Line {
    let look = TextLook::line(RASTER_SIZE);
    let text = one_line(text);
    let full = WORD_EM / RASTER_SIZE;
    let smallest = full * MIN_WORD_SCALE;
    let room = (length * (1.0 - 2.0 * END_MARGIN)).max(0.0);
    let shaped = stack.shape(&text, &look);
    let width = pixel_width(&shaped);
    let (shaped, scale, cut) = if width * full <= room {
        (shaped, full, false)
    } else if width * smallest <= room {
        (shaped, room / width, false)
    } else {
        (
            cut_to_fit(stack, &text, &look, room / smallest),
            smallest,
            true,
        )
    };
    let start = 0.5 * (length - pixel_width(&shaped) * scale);
    Line {
        shaped,
        scale,
        start,
        length,
        cut,
    }
}

/// The longest beginning of `text` that, ended with an ellipsis, is at most `room` pixels wide:
/// cut between words, or between letters when even the first word is too long.
fn cut_to_fit(stack: &mut TextStack, text: &str, look: &TextLook, room: f32) -> Shaped {
    let words: Vec<usize> = text
        .split_word_bound_indices()
        .map(|(at, _)| at)
        .filter(|&at| at > 0)
        .collect();
    let letters: Vec<usize> = text
        .grapheme_indices(true)
        .map(|(at, _)| at)
        .filter(|&at| at > 0)
        .collect();
    for cuts in [words, letters] {
        if let Some(shaped) = longest_fitting(stack, text, look, room, &cuts) {
            return shaped;
        }
    }
    stack.shape(ELLIPSIS, look)
}

/// Of `text` cut at one of `cuts` (ascending byte offsets) and ended with an ellipsis, the longest
/// at most `room` pixels wide, found by halving (a longer beginning is never narrower).
fn longest_fitting(
    stack: &mut TextStack,
    text: &str,
    look: &TextLook,
    room: f32,
    cuts: &[usize],
) -> Option<Shaped> {
    let (mut low, mut high) = (0, cuts.len());
    let mut best = None;
    while low < high {
        let middle = usize::midpoint(low, high);
        let kept = text[..cuts[middle]].trim_end();
        if kept.is_empty() {
            low = middle + 1;
            continue;
        }
        let shaped = stack.shape(&format!("{kept}{ELLIPSIS}"), look);
        if pixel_width(&shaped) <= room {
            best = Some(shaped);
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    best
}

/// How a speaking thread's glyphs are painted: its buffer entry, its colours, and the seed of
/// their fraying.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paint {
    pub entry: u32,
    /// Linear RGB: the thread's body colour and its accent.
    pub primary: Vec3,
    pub accent: Vec3,
    /// Gives each glyph its own moment and way of fraying.
    pub seed: u64,
}

/// One record for each inked glyph of `line` (a space has none), in visual order, placed along the
/// thread `arc` measures: the u of the glyph's centre, its quad standing on the baseline just above
/// the thread, its rectangle in `atlas` (packing glyphs new to it), and its colour, shading along
/// the line from the thread's body colour toward its accent. The voice's times are left for the
/// caller (`voice` says it speaks from time 0 on).
pub fn lay_glyphs(
    line: &Line,
    arc: &ArcLength,
    atlas: &mut GlyphAtlas,
    stack: &TextStack,
    paint: &Paint,
) -> Vec<GpuGlyph> {
    let (left, right) = extent(&line.shaped);
    let span = (right - left).max(1.0);
    let baseline = baseline_of(&line.shaped);
    let side = atlas.side as f32;
    let tint = |k: f32| {
        paint
            .primary
            .lerp(paint.accent, 0.5 * k)
            .lerp(Vec3::ONE, WORD_WHITENING)
    };
    let mut glyphs = Vec::with_capacity(line.shaped.glyphs.len());
    for (index, glyph) in line.shaped.glyphs.iter().enumerate() {
        let Some(bitmap) = atlas.entry(stack, glyph.font, glyph.id) else {
            continue;
        };
        // An atlas texel in the line's pixels, then in world units.
        let texel = line.scale * glyph.size / atlas.raster_size;
        let (width, height) = (bitmap.width as f32, bitmap.height as f32);
        let centre =
            line.start + (glyph.x - left) * line.scale + (bitmap.left as f32 + 0.5 * width) * texel;
        // Marks the shaper raised or lowered keep their offset from the baseline (y runs down).
        let raised = (baseline - glyph.y) * line.scale;
        let bottom = BASELINE_LIFT + raised + (bitmap.top as f32 - height) * texel;
        let random = unit(
            splitmix64(paint.seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            0,
        );
        glyphs.push(GpuGlyph {
            place: Vec4::new(paint.entry as f32, arc.u_at(centre), random, 1.0),
            quad: Vec4::new(0.5 * width * texel, bottom, height * texel, texel),
            uv: Vec4::new(
                bitmap.x as f32 / side,
                bitmap.y as f32 / side,
                (bitmap.x + bitmap.width) as f32 / side,
                (bitmap.y + bitmap.height) as f32 / side,
            ),
            colour: tint((glyph.x - left) / span).extend(WORD_BRIGHTNESS),
            voice: Vec4::new(0.0, -1.0, 0.0, 0.0),
        });
    }
    glyphs
}

/// A thread that speaks, or spoke a moment ago and is fading: why, and since and until when
/// (clock seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spoken {
    id: NarrativeId,
    voice: Voice,
    since: f32,
    until: Option<f32>,
}

/// Brings the spoken threads in line with `speakers` at `now`: new voices begin (their words fade
/// in), voices that stopped fade out and are let go once faded, a voice that returns while fading
/// fades back in from where it was. A voice whose strongest reason is the show follows the show's
/// `timetable` instead (when it began, when its words begin to fade), so that its words are a
/// function of the clock alone. Returns whether anything changed.
fn follow_voices(
    spoken: &mut Vec<Spoken>,
    speakers: &[(NarrativeId, Voice)],
    timetable: &HashMap<NarrativeId, (f32, f32)>,
    now: f32,
) -> bool {
    let timed = |id: NarrativeId, voice: Voice| {
        (voice == Voice::Show)
            .then(|| timetable.get(&id).copied())
            .flatten()
    };
    let mut changed = false;
    for s in &mut *spoken {
        let listed = speakers.iter().find(|(id, _)| *id == s.id).map(|&(_, v)| v);
        if let Some((since, fades)) = listed.and_then(|voice| timed(s.id, voice)) {
            // Exactly the timetable's times (copied, not computed): compared bit for bit.
            let same = s.since.to_bits() == since.to_bits()
                && s.until.map(f32::to_bits) == Some(fades.to_bits());
            if !same || listed != Some(s.voice) {
                s.since = since;
                s.until = Some(fades);
                s.voice = Voice::Show;
                changed = true;
            }
            continue;
        }
        // The clock was set back: what spoke is shown at once.
        if s.since > now {
            s.since = now - FADE_IN_SECONDS;
            changed = true;
        }
        if let Some(voice) = listed {
            if let Some(until) = s.until.take() {
                let left = 1.0 - ((now - until) / FADE_OUT_SECONDS).clamp(0.0, 1.0);
                s.since = now - left * FADE_IN_SECONDS;
                changed = true;
            }
            if s.voice != voice {
                s.voice = voice;
                changed = true;
            }
        } else if s.until.is_none_or(|until| until > now) {
            s.until = Some(now);
            changed = true;
        }
    }
    let before = spoken.len();
    spoken.retain(|s| {
        speakers.iter().any(|(id, _)| *id == s.id)
            || s.until
                .is_none_or(|until| (0.0..FADE_OUT_SECONDS).contains(&(now - until)))
    });
    changed |= spoken.len() != before;
    for &(id, voice) in speakers {
        if !spoken.iter().any(|s| s.id == id) {
            let (since, until) = timed(id, voice).map_or((now, None), |(b, f)| (b, Some(f)));
            spoken.push(Spoken {
                id,
                voice,
                since,
                until,
            });
            changed = true;
        }
    }
    changed
}

/// What a thread's laid glyphs depend on: its place in the buffer and on the cloak, and the
/// cloak's shape. When any of it changes, its words are laid again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LayKey([u32; 11]);

impl LayKey {
    fn new(entry: usize, thread: &LoomThread, loom: &Loom, shape: &CloakShape) -> Self {
        Self([
            entry as u32,
            thread.slot.to_bits(),
            thread.span.0.to_bits(),
            thread.span.1.to_bits(),
            loom.rows() as u32,
            shape.width.to_bits(),
            shape.height.to_bits(),
            shape.drape.to_bits(),
            shape.fold_depth.to_bits(),
            shape.folds.to_bits(),
            shape.density_response.to_bits(),
        ])
    }
}

/// What the words keep between frames: the atlas, each speaking thread's fitted line and laid
/// glyphs, who speaks since when, and what the GPU was last given.
#[derive(Resource)]
pub struct WordsState {
    atlas: GlyphAtlas,
    /// The atlas generation the GPU's image shows.
    shown_generation: Option<u64>,
    lines: HashMap<NarrativeId, Line>,
    /// Each speaking thread's glyphs, what they were laid for, and the clock time they were
    /// laid at.
    laid: HashMap<NarrativeId, (LayKey, f32, Vec<GpuGlyph>)>,
    /// The clock time the glyphs were last laid at.
    laid_at: f32,
    /// The speakers the atlas was last cleared for, when it filled up.
    cleared_for: Vec<NarrativeId>,
    /// The speakers whose glyphs the atlas holds: when they change, it starts again, so that
    /// where each glyph lies in it depends on who speaks now, not on who spoke before — a
    /// renderer that has run for weeks draws the very pixels one started a moment ago does.
    atlas_for: Vec<NarrativeId>,
    spoken: Vec<Spoken>,
    /// The glyphs last written to the buffer (without its spare room).
    uploaded: Vec<GpuGlyph>,
    /// Lay everything again next frame (at start).
    stale: bool,
}

impl Default for WordsState {
    fn default() -> Self {
        Self {
            atlas: GlyphAtlas::new(ATLAS_SIDE, RASTER_SIZE),
            shown_generation: None,
            lines: HashMap::new(),
            laid: HashMap::new(),
            laid_at: f32::NEG_INFINITY,
            cleared_for: Vec::new(),
            atlas_for: Vec::new(),
            spoken: Vec::new(),
            uploaded: Vec::new(),
            stale: true,
        }
    }
}

impl WordsState {
    /// The glyphs of every thread that speaks or fades at `now`, laying the words of threads that
    /// began to speak or moved, and rebuilding the atlas once if it filled up.
    fn glyphs(
        &mut self,
        loom: &Loom,
        shape: &CloakShape,
        archive: &NarrativeArchive,
        now: f32,
    ) -> Vec<GpuGlyph> {
        if self.spoken.is_empty() {
            self.laid.clear();
            self.lines.clear();
            return Vec::new();
        }
        let speaking: HashMap<NarrativeId, usize> = self
            .spoken
            .iter()
            .enumerate()
            .map(|(k, s)| (s.id, k))
            .collect();
        // Where each speaking thread is on the loom (a thread that left it says nothing).
        let mut on_loom: Vec<Option<usize>> = vec![None; self.spoken.len()];
        for (index, thread) in loom.threads().iter().enumerate() {
            if let Some(&k) = speaking.get(&thread.id) {
                on_loom[k] = Some(index);
            }
        }
        let speakers: Vec<NarrativeId> = self.spoken.iter().map(|s| s.id).collect();
        if self.atlas_for != speakers {
            self.atlas.clear();
            self.laid.clear();
            self.atlas_for = speakers;
        }
        self.laid.retain(|id, _| speaking.contains_key(id));
        self.lines.retain(|id, _| speaking.contains_key(id));
        let mut stack = Texts.lock();
        let mut cloak: Option<(CloakUniform, Vec<GpuThread>)> = None;
        for attempt in 0..2 {
            let mut laid_any = false;
            for (k, spoken) in self.spoken.iter().enumerate() {
                let Some(index) = on_loom[k] else {
                    continue;
                };
                let thread = &loom.threads()[index];
                let entry = index + WARP_THREADS as usize;
                let key = LayKey::new(entry, thread, loom, shape);
                if self.laid.get(&spoken.id).is_some_and(|(laid, at, _)| {
                    *laid == key && at.to_bits() == relay_time(now).to_bits()
                }) {
                    continue;
                }
                let Some(narrative) = archive.narratives.iter().find(|n| n.id == spoken.id) else {
                    continue;
                };
                let (uniform, entries) =
                    cloak.get_or_insert_with(|| cloak_uniform(loom, shape, now));
                let Some(gpu) = entries.get(entry) else {
                    continue;
                };
                // Measured where its glide takes it, so that its words fit it once it is there;
                // at the relay's moment and fitted to its length in steps, so that the words are
                // a function of the clock, the same in a still as in a running piece.
                let settled = relay_time(now).max(gpu.life.w + SLOT_GLIDE_SECONDS);
                let arc = ArcLength::of_thread(uniform, gpu, entry as u32, settled);
                let length = fitting_length(arc.total());
                let refit = self
                    .lines
                    .get(&spoken.id)
                    .is_none_or(|line| line.length.to_bits() != length.to_bits());
                if refit {
                    let line = fit_line(&mut stack, &narrative.text, length);
                    self.lines.insert(spoken.id, line);
                }
                let Some(line) = self.lines.get(&spoken.id) else {
                    continue;
                };
                let paint = Paint {
                    entry: entry as u32,
                    primary: thread.look.primary,
                    accent: thread.look.accent,
                    seed: splitmix64(spoken.id.0),
                };
                let glyphs = lay_glyphs(line, &arc, &mut self.atlas, &stack, &paint);
                self.laid.insert(spoken.id, (key, relay_time(now), glyphs));
                laid_any = true;
            }
            let speakers: Vec<NarrativeId> = self.spoken.iter().map(|s| s.id).collect();
            // Cleared once for these speakers: if their glyphs alone overflow it, some go undrawn
            // rather than the atlas being rebuilt at every re-spacing.
            if attempt == 0 && laid_any && self.atlas.is_full() && self.cleared_for != speakers {
                self.cleared_for = speakers;
                // Glyphs of threads long silent fill it: start again with today's voices (once:
                // if these alone overflow it, some of their glyphs go undrawn).
                self.atlas.clear();
                self.laid.clear();
            } else {
                break;
            }
        }
        let mut glyphs = Vec::new();
        for (k, spoken) in self.spoken.iter().enumerate() {
            let (Some(_), Some((_, _, laid))) = (on_loom[k], self.laid.get(&spoken.id)) else {
                continue;
            };
            let voice = Vec4::new(spoken.since, spoken.until.unwrap_or(-1.0), 0.0, 0.0);
            let emphasis = spoken.voice.emphasis();
            glyphs.extend(laid.iter().map(|glyph| GpuGlyph {
                colour: glyph.colour.truncate().extend(glyph.colour.w * emphasis),
                voice,
                ..*glyph
            }));
        }
        glyphs
    }
}

/// The atlas as a GPU texture: one coverage byte a texel, sampled with linear filtering.
fn atlas_image(atlas: &GlyphAtlas) -> Image {
    let mut image = Image::new(
        Extent3d {
            width: atlas.side,
            height: atlas.side,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        atlas.coverage.clone(),
        TextureFormat::R8Unorm,
        RenderAssetUsages::RENDER_WORLD,
    );
    image.sampler = ImageSampler::linear();
    image
}

/// The one entity that draws every word on the cloak.
#[derive(Component, Debug, Default)]
pub struct Words {
    /// Glyphs the mesh and buffer have room for.
    pub capacity: u32,
}

/// Spawns the words' entity: no glyphs yet, the threads' own buffer, an empty atlas.
pub(super) fn spawn_words(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<WordsMaterial>>,
    mut buffers: ResMut<Assets<ShaderBuffer>>,
    mut images: ResMut<Assets<Image>>,
    mut state: ResMut<WordsState>,
    shape: Res<CloakShape>,
    clock: Res<DreamClock>,
    cloak: Query<&MeshMaterial3d<ThreadMaterial>, With<Cloak>>,
    thread_materials: Res<Assets<ThreadMaterial>>,
) {
    // The threads' uniform and buffer are copied from the cloak every frame; until then, these.
    let (uniform, threads) = match cloak.iter().next().and_then(|m| thread_materials.get(&m.0)) {
        Some(threads) => (threads.cloak, threads.threads.clone()),
        None => (
            cloak_uniform(&Loom::default(), &shape, clock.seconds).0,
            buffers.add(ShaderBuffer::from(vec![GpuThread::default(); 64])),
        ),
    };
    let capacity = glyph_capacity(0);
    let glyphs = buffers.add(ShaderBuffer::from(vec![
        GpuGlyph::default();
        capacity as usize
    ]));
    let atlas = images.add(atlas_image(&state.atlas));
    state.shown_generation = Some(state.atlas.generation);
    let material = materials.add(WordsMaterial {
        cloak: uniform,
        threads,
        glyphs,
        atlas,
    });
    commands.spawn((
        Name::new("Words"),
        Words { capacity },
        Mesh3d(meshes.add(word_mesh(capacity))),
        MeshMaterial3d(material),
        Transform::default(),
        // The vertex shader places every glyph; the mesh's own bounds mean nothing.
        NoFrustumCulling,
    ));
}

/// Lets the speaking threads speak: follows the voices (fading words in and out), lays the words
/// of threads that began to speak or moved, writes the glyph buffer when it changed and the atlas
/// when glyphs were added, and hands the threads' uniform and buffer to the words' material.
pub(super) fn speak_words(
    clock: Res<DreamClock>,
    voices: Res<Voices>,
    loom: Res<Loom>,
    shape: Res<CloakShape>,
    archive: Res<NarrativeArchive>,
    mut state: ResMut<WordsState>,
    words: Single<(&mut Words, &Mesh3d, &MeshMaterial3d<WordsMaterial>)>,
    cloak: Single<&MeshMaterial3d<ThreadMaterial>, With<Cloak>>,
    thread_materials: Res<Assets<ThreadMaterial>>,
    mut materials: ResMut<Assets<WordsMaterial>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut buffers: ResMut<Assets<ShaderBuffer>>,
    mut images: ResMut<Assets<Image>>,
) {
    let (mut words, mesh, words_material) = words.into_inner();
    let Some(threads) = thread_materials.get(&cloak.0) else {
        return;
    };
    let Some(mut material) = materials.get_mut(&words_material.0) else {
        return;
    };
    // The words ride the threads as the threads are this frame.
    material.cloak = threads.cloak;
    if material.threads != threads.threads {
        material.threads = threads.threads.clone();
    }
    let now = clock.seconds;
    let state = &mut *state;
    let spoke = follow_voices(
        &mut state.spoken,
        &voices.speakers(),
        &voices.timetable,
        now,
    );
    let ripple = relay_time(now).to_bits() != state.laid_at.to_bits() && !state.spoken.is_empty();
    if spoke || ripple || state.stale || loom.is_changed() || shape.is_changed() {
        state.stale = false;
        state.laid_at = relay_time(now);
        let glyphs = state.glyphs(&loom, &shape, &archive, now);
        if glyphs != state.uploaded {
            let capacity = glyph_capacity(glyphs.len());
            let mut data = glyphs.clone();
            data.resize(capacity as usize, GpuGlyph::default());
            if let Some(mut buffer) = buffers.get_mut(&material.glyphs) {
                buffer.set_data(data);
            }
            if capacity != words.capacity {
                meshes.insert(&mesh.0, word_mesh(capacity)).ok();
                words.capacity = capacity;
            }
            state.uploaded = glyphs;
        }
    }
    if state.shown_generation != Some(state.atlas.generation) {
        images
            .insert(&material.atlas, atlas_image(&state.atlas))
            .ok();
        state.shown_generation = Some(state.atlas.generation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn straight(length: f32) -> ArcLength {
        let points: Vec<Vec3> = (0..=64)
            .map(|i| Vec3::new(length * i as f32 / 64.0 - 0.5 * length, 0.0, 0.0))
            .collect();
        ArcLength::from_points(&points)
    }

    fn paint() -> Paint {
        Paint {
            entry: 40,
            primary: Vec3::new(0.8, 0.2, 0.1),
            accent: Vec3::new(0.9, 0.7, 0.2),
            seed: 7,
        }
    }

    /// The glyph (font, id) of one character alone.
    fn glyph_of(stack: &mut TextStack, text: &str) -> (usize, u16) {
        let shaped = stack.shape(text, &TextLook::line(RASTER_SIZE));
        (shaped.glyphs[0].font, shaped.glyphs[0].id)
    }

    /// The shaped glyphs that have ink, in the order `lay_glyphs` gives their records.
    fn inked(line: &Line, atlas: &mut GlyphAtlas, stack: &TextStack) -> Vec<(usize, u16)> {
        line.shaped
            .glyphs
            .iter()
            .filter(|g| atlas.entry(stack, g.font, g.id).is_some())
            .map(|g| (g.font, g.id))
            .collect()
    }

    #[test]
    fn glyphs_keep_their_visual_order_along_the_thread() {
        let mut stack = TextStack::new();
        let mut atlas = GlyphAtlas::new(1024, RASTER_SIZE);
        let arc = straight(7.0);
        let line = fit_line(&mut stack, "I dreamt of\nthe  sea", 7.0);
        assert!(!line.cut);
        assert!(
            (line.scale - WORD_EM / RASTER_SIZE).abs() < 1e-6,
            "full size"
        );
        let glyphs = lay_glyphs(&line, &arc, &mut atlas, &stack, &paint());
        // Fifteen letters; the spaces leave no quad.
        assert_eq!(glyphs.len(), 15);
        let us: Vec<f32> = glyphs.iter().map(|g| g.place.y).collect();
        assert!(us.windows(2).all(|w| w[0] < w[1]), "{us:?}");
        // Centred on the thread, clear of its ends.
        let middle = 0.5 * (us[0] + us[us.len() - 1]);
        assert!((middle - 0.5).abs() < 0.03, "{middle}");
        assert!(us[0] > END_MARGIN && us[us.len() - 1] < 1.0 - END_MARGIN);
        for glyph in &glyphs {
            assert!((glyph.place.x - 40.0).abs() < 1e-6 && glyph.place.w > 0.5);
            assert!((0.0..1.0).contains(&glyph.place.z));
            // Standing on the baseline, just above the thread; letters a legible size.
            assert!(glyph.quad.y > -0.1 && glyph.quad.y < 0.2, "{glyph:?}");
            assert!(glyph.quad.z > 0.02 && glyph.quad.z < 0.3, "{glyph:?}");
            assert!(glyph.uv.x < glyph.uv.z && glyph.uv.y < glyph.uv.w);
        }
        let tallest = glyphs.iter().map(|g| g.quad.z).fold(0.0, f32::max);
        assert!(
            (0.12..=0.22).contains(&tallest),
            "capitals {tallest} units tall"
        );
    }

    #[test]
    fn right_to_left_words_still_run_left_to_right_in_visual_order() {
        let mut stack = TextStack::new();
        let mut atlas = GlyphAtlas::new(1024, RASTER_SIZE);
        let (first, last) = (glyph_of(&mut stack, "ח"), glyph_of(&mut stack, "ם"));
        let line = fit_line(&mut stack, "חלמתי על ים", 7.0);
        assert!(line.shaped.right_to_left && !line.cut);
        let glyphs = lay_glyphs(&line, &straight(7.0), &mut atlas, &stack, &paint());
        let order = inked(&line, &mut atlas, &stack);
        assert_eq!(order.len(), glyphs.len());
        let us: Vec<f32> = glyphs.iter().map(|g| g.place.y).collect();
        assert!(us.windows(2).all(|w| w[0] < w[1]), "{us:?}");
        let u_of = |wanted: (usize, u16)| {
            let at = order.iter().position(|&g| g == wanted).expect("drawn");
            us[at]
        };
        // The first word's first letter is at the right of the line, the last word's end at the
        // left: along the thread, which runs left to right across the cloak.
        assert!(u_of(first) > u_of(last));
    }

    #[test]
    fn long_words_are_scaled_then_cut_to_fit_their_thread() {
        let mut stack = TextStack::new();
        let text = "I dreamt that the river behind my grandmother's house ran backwards into the \
                    mountains, carrying every letter we never sent, and the fish read them aloud \
                    to the stones until morning came and the water was only water again.";
        let full = stack.shape(text, &TextLook::line(RASTER_SIZE));
        let natural = pixel_width(&full) * WORD_EM / RASTER_SIZE;

        // A little too long: smaller letters, every word kept.
        let length = 0.9 * natural / (1.0 - 2.0 * END_MARGIN);
        let scaled = fit_line(&mut stack, text, length);
        assert!(!scaled.cut);
        assert!(scaled.scale < WORD_EM / RASTER_SIZE);
        assert!(scaled.scale >= MIN_WORD_SCALE * WORD_EM / RASTER_SIZE - 1e-6);
        assert!(scaled.width() <= length * (1.0 - 2.0 * END_MARGIN) + 1e-3);

        // Far too long: cut at a word, ending in an ellipsis, within the thread's margins.
        let short = fit_line(&mut stack, text, 2.0);
        assert!(short.cut);
        assert!((short.scale - MIN_WORD_SCALE * WORD_EM / RASTER_SIZE).abs() < 1e-6);
        assert!(short.width() <= 2.0 * (1.0 - 2.0 * END_MARGIN) + 1e-3);
        assert!(short.start >= 2.0 * END_MARGIN - 1e-3);
        let ellipsis = glyph_of(&mut stack, ELLIPSIS);
        let last = short.shaped.glyphs.last().expect("glyphs");
        assert_eq!((last.font, last.id), ellipsis, "ends with an ellipsis");
        let kept = short.shaped.shown.trim_end_matches(ELLIPSIS);
        assert!(text.starts_with(kept) && kept.len() > 10, "{kept:?}");
        assert!(!kept.ends_with(' '), "cut between words: {kept:?}");
        let mut atlas = GlyphAtlas::new(1024, RASTER_SIZE);
        let glyphs = lay_glyphs(&short, &straight(2.0), &mut atlas, &stack, &paint());
        assert!(
            glyphs
                .iter()
                .all(|g| (END_MARGIN..=1.0 - END_MARGIN).contains(&g.place.y))
        );

        // Right to left, the text's beginning is kept and the ellipsis ends it at the left.
        let arabic = "حلمت أن النهر خلف بيت جدتي يجري إلى الجبال ويحمل كل رسالة لم نرسلها أبدا";
        let cut = fit_line(&mut stack, arabic, 1.5);
        assert!(cut.cut && cut.shaped.right_to_left);
        let kept = cut.shaped.shown.trim_end_matches(ELLIPSIS);
        assert!(cut.shaped.shown.ends_with(ELLIPSIS));
        assert!(arabic.starts_with(kept) && !kept.is_empty(), "{kept:?}");

        // A first word longer than the thread is cut between letters.
        let word = fit_line(
            &mut stack,
            "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaah",
            1.0,
        );
        assert!(word.cut && word.width() <= 0.9 + 1e-3);
        assert!(word.shaped.shown.starts_with("Aaa"));
    }

    #[test]
    fn glyph_capacity_grows_in_powers_of_two() {
        assert_eq!(glyph_capacity(0), 1024);
        assert_eq!(glyph_capacity(1024), 1024);
        assert_eq!(glyph_capacity(1025), 2048);
        assert_eq!(glyph_capacity(5000), 8192);
        let mesh = word_mesh(3);
        assert_eq!(mesh.count_vertices(), 12);
        let Some(bevy::mesh::Indices::U32(indices)) = mesh.indices() else {
            panic!("u32 indices")
        };
        assert_eq!(indices.len(), 18);
        assert!(indices.iter().all(|&i| i < 12));
    }

    #[test]
    fn words_stay_whole_while_their_thread_is_whole() {
        for i in 0..=20 {
            let random = i as f32 / 20.0 * 0.999;
            let drift = Vec3::new(random, 1.0 - random, 0.5);
            let whole = glyph_fray(1.0, 0.0, false, random);
            assert!(whole <= 0.0, "{whole}");
            assert!(fray_offset(whole, drift, Vec3::Z).length() <= 0.0);
            // The Sanctuary keeps them whole whatever the protocol does…
            assert!(glyph_fray(0.1, 0.0, true, random) <= 0.0);
            // …but a thread dissolved, or unravelled, takes every word with it.
            assert!(glyph_fray(0.0, 0.0, false, random) >= 1.0);
            assert!(glyph_fray(1.0, 1.0, true, random) >= 1.0);
            let gone = fray_offset(1.0, drift, Vec3::Z);
            assert!(
                gone.y > 0.8 && gone.z > 0.2,
                "lifts up and off the cloth: {gone}"
            );
        }
        // Half dissolved, some glyphs have begun to go and others not yet.
        assert!(glyph_fray(0.5, 0.0, false, 0.0) > 0.5);
        assert!(glyph_fray(0.5, 0.0, false, 0.99) <= 0.0);
    }

    #[test]
    fn words_fade_in_and_out_as_voices_come_and_go() {
        let (a, b) = (NarrativeId(1), NarrativeId(2));
        let mut spoken = Vec::new();
        let none = HashMap::new();
        assert!(follow_voices(&mut spoken, &[(a, Voice::Show)], &none, 10.0));
        assert!(!follow_voices(
            &mut spoken,
            &[(a, Voice::Show)],
            &none,
            10.5
        ));
        assert!((spoken[0].since - 10.0).abs() < 1e-6);
        // A stops: it fades, then goes; B begins.
        assert!(follow_voices(&mut spoken, &[(b, Voice::Read)], &none, 11.0));
        assert_eq!(spoken.len(), 2);
        assert!(
            spoken[0]
                .until
                .is_some_and(|until| (until - 11.0).abs() < 1e-6)
        );
        assert!(!follow_voices(
            &mut spoken,
            &[(b, Voice::Read)],
            &none,
            11.5
        ));
        assert!(follow_voices(
            &mut spoken,
            &[(b, Voice::Read)],
            &none,
            11.0 + FADE_OUT_SECONDS + 0.01
        ));
        assert_eq!(spoken.len(), 1);
        assert_eq!(spoken[0].id, b);
        // B stops and comes back half faded: it fades in from about half.
        follow_voices(&mut spoken, &[], &none, 20.0);
        follow_voices(
            &mut spoken,
            &[(b, Voice::Found)],
            &none,
            20.0 + 0.5 * FADE_OUT_SECONDS,
        );
        let s = spoken[0];
        assert!(s.voice == Voice::Found && s.until.is_none());
        assert!((s.since - (20.0 + 0.5 * FADE_OUT_SECONDS - 0.5 * FADE_IN_SECONDS)).abs() < 1e-4);
    }

    #[test]
    fn the_show_s_voices_fade_by_their_timetable_not_by_when_they_were_heard() {
        let a = NarrativeId(1);
        let timetable = HashMap::from([(a, (40.0, 50.8))]);
        // Heard first at 45 s (a still, or a sequence starting mid-turn): begun at 40 s.
        let mut late = Vec::new();
        follow_voices(&mut late, &[(a, Voice::Show)], &timetable, 45.0);
        let mut early = Vec::new();
        follow_voices(&mut early, &[(a, Voice::Show)], &timetable, 40.0);
        follow_voices(&mut early, &[(a, Voice::Show)], &timetable, 45.0);
        assert_eq!(late, early);
        assert_eq!((late[0].since, late[0].until), (40.0, Some(50.8)));
        // Still listed while its words fade ahead of its turn's end, it is kept.
        assert!(!follow_voices(
            &mut late,
            &[(a, Voice::Show)],
            &timetable,
            51.5
        ));
        assert_eq!(late.len(), 1);
        // Read by a visitor as well, its words follow the visitor, not the show.
        follow_voices(&mut late, &[(a, Voice::Read)], &timetable, 52.0);
        assert_eq!(late[0].until, None);
    }

    #[test]
    fn a_thread_s_length_maps_to_even_steps_along_it() {
        let arc = straight(4.0);
        assert!((arc.total() - 4.0).abs() < 1e-4);
        assert!((arc.u_at(1.0) - 0.25).abs() < 1e-4);
        assert!(arc.u_at(-1.0).abs() < 1e-6);
        assert!((arc.u_at(9.0) - 1.0).abs() < 1e-6);
        // Samples crowded at the start: u follows the length, not the samples.
        let points: Vec<Vec3> = (0..=10)
            .map(|i| {
                let u = i as f32 / 10.0;
                Vec3::new(u * u, 0.0, 0.0)
            })
            .collect();
        let bent = ArcLength::from_points(&points);
        assert!((bent.u_at(0.25) - 0.5).abs() < 1e-4, "{}", bent.u_at(0.25));
    }
}
