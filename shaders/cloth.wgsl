// The cloak's cloth and the paths of its threads: the bindings, buffer layout and path functions
// that the threads (thread.wgsl) and the words that ride them (words.wgsl) share, so that a word
// lies exactly where its thread is drawn.
//
// `src/weave/path.rs` mirrors the path functions on the CPU (picking, finding a thread, laying
// words out): change both together.
#define_import_path dreamloom::cloth

#import dreamloom::noise::gradient_noise

struct Cloak {
    time: f32,
    entries: u32,
    warp_count: u32,
    weft_count: u32,
    width: f32,
    height: f32,
    // Rows the weft lies in; several threads share a row on a crowded cloak.
    rows: f32,
    // How crowded the cloak is (0..1, scaled by the density response): waves calm, glow dims.
    density: f32,
    drape: f32,
    fold_depth: f32,
    folds: f32,
    sheen: f32,
    // How far the protocol has pulled the cloak toward sameness (1 - mean identity).
    pull: f32,
    // How strictly threads keep to their rows (the density response).
    fit: f32,
    // The collective the protocol pulls toward: mean rgb of the threads, mean crests.
    collective: vec4<f32>,
};

// Mirrors `GpuThread` in src/weave/gpu.rs.
struct ThreadData {
    primary: vec4<f32>, // linear rgb, glow
    accent: vec4<f32>,  // linear rgb, kind (0 weft, 1 warp, 2 bridge)
    wave: vec4<f32>,    // crests across the cloak, phase, amplitude (row spacings), ripple speed
    shape: vec4<f32>,   // slot (row), thickness, float length, highlight
    life: vec4<f32>,    // woven at, unravel at (<0: never), slot glides from, glide began at
    fate: vec4<f32>,    // identity (1 its own .. 0 the collective's), presence (1 woven .. 0 dissolved), sanctuary
    span: vec4<f32>,    // its part of the row: start, length; the part it glides from (bridges: both ends across)
};

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> cloak: Cloak;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var<storage, read> threads: array<ThreadData>;

const TAU: f32 = 6.28318530718;
const PI: f32 = 3.14159265359;
// Warp crossings across the cloak's width for a float length of 1.
const WARP_CROSSINGS: f32 = 20.0;
const WEAVE_IN_SECONDS: f32 = 4.0;
const UNRAVEL_SECONDS: f32 = 3.0;
const SLOT_GLIDE_SECONDS: f32 = 2.5;

// The cloth: a cloak hung from the shoulders, seen from behind. Narrow at the yoke and full at
// the hem, it wraps around the wearer (drape), falls in folds that fan out toward the hem and
// slowly breathe, and its hem sways. u runs across (0 left, 1 right), v down (0 shoulders, 1 hem).
struct Cloth {
    point: vec3<f32>,
    // Out of the cloth, away from the wearer.
    normal: vec3<f32>,
    // How deep in a fold's valley the point lies, 0..1: light reaches it less.
    cavity: f32,
};

// The folds across the cloth at (u, v): their offset (-1..1) and its slope along u.
fn fold_wave(u: f32, v: f32, t: f32) -> vec2<f32> {
    let bend = 0.9 * sin(TAU * 1.3 * u + 0.7);
    let a = TAU * cloak.folds * u + bend + v * 1.1 + 0.35 * sin(t * 0.21 + v * 2.0);
    let b = 2.1 * TAU * cloak.folds * u + 1.7 + v * 2.3 - t * 0.13;
    let da = TAU * cloak.folds + 0.9 * TAU * 1.3 * cos(TAU * 1.3 * u + 0.7);
    let db = 2.1 * TAU * cloak.folds;
    let f = 0.7 * sin(a) + 0.3 * sin(b);
    let df = 0.7 * cos(a) * da + 0.3 * cos(b) * db;
    // Some folds deeper than others.
    let m = 0.65 + 0.35 * sin(TAU * 1.7 * u + 0.4);
    let dm = 0.35 * TAU * 1.7 * cos(TAU * 1.7 * u + 0.4);
    return vec2<f32>(m * f, dm * f + m * df);
}

// Half the cloak's width at v, as a fraction of its width at the hem: a hood over the head
// (rounded at its top), narrowing at the neck, spreading over the shoulders, flaring to the hem.
fn outline(v: f32) -> f32 {
    let k = clamp(v / 0.11, 0.0, 1.0);
    let hood = 0.19 * sqrt(k * (2.0 - k));
    return hood - 0.04 * smoothstep(0.11, 0.2, v) + 0.38 * smoothstep(0.19, 0.3, v)
        + 0.47 * smoothstep(0.25, 1.0, v);
}

fn cloth(u: f32, v_asked: f32, t: f32) -> Cloth {
    // Above the hood's top there is no cloth: a thread's wave that swings past it stays on it.
    let v = max(v_asked, 0.002);
    let across = 2.0 * u - 1.0;
    let half_width = 0.5 * cloak.width * outline(v);
    // Wrapped round the wearer: the hood round the head, the cloak round the shoulders (drape),
    // less toward the hem. An arc of this half-angle and radius.
    let body = mix(cloak.drape * 1.6, cloak.drape * 0.9, smoothstep(0.3, 1.0, v));
    let half_angle = max(mix(1.35, body, smoothstep(0.12, 0.3, v)), 0.001);
    let radius = half_width / sin(half_angle);
    let theta = across * half_angle;
    // The folds start below the shoulders and deepen toward the hem.
    let depth = cloak.fold_depth * smoothstep(0.22, 0.6, v) * (0.45 + 0.55 * v);
    let fold = fold_wave(u, v, t);
    let r = radius + depth * fold.x;
    let radial = vec3<f32>(sin(theta), 0.0, cos(theta));
    var p = vec3<f32>(r * sin(theta), (0.5 - v) * cloak.height, r * cos(theta) - radius);
    // The cloth breathes and its hem sways.
    let hang = v * v;
    p.x += 0.22 * sin(t * 0.17 + v * 1.7) * hang;
    p.z += 0.2 * sin(u * 3.4 + t * 0.29 + v * 2.1) * hang;
    // The radial direction, tilted by the folds' slope (arc length per unit u: 2 half-angle radius).
    let tangential = vec3<f32>(cos(theta), 0.0, -sin(theta));
    let normal = normalize(radial - tangential * depth * fold.y / max(2.0 * half_angle * radius, 1e-4));
    let cavity = clamp(-fold.x, 0.0, 1.0) * clamp(depth / 0.3, 0.0, 1.0);
    return Cloth(p, normal, cavity);
}

fn eased(x: f32) -> f32 {
    let k = clamp(x, 0.0, 1.0);
    return k * k * (3.0 - 2.0 * k);
}

fn glide(d: ThreadData, t: f32) -> f32 {
    return eased((t - d.life.w) / SLOT_GLIDE_SECONDS);
}

fn slot_at(d: ThreadData, t: f32) -> f32 {
    return mix(d.life.z, d.shape.x, glide(d, t));
}

// The part of its row a thread lies across: start, length.
fn span_at(d: ThreadData, t: f32) -> vec2<f32> {
    return mix(d.span.zw, d.span.xy, glide(d, t));
}

// How far a leaving thread has unravelled, 0..1.
fn unravelled(d: ThreadData, t: f32) -> f32 {
    return select(0.0, clamp((t - d.life.y) / UNRAVEL_SECONDS, 0.0, 1.0), d.life.y >= 0.0);
}

// Crests across the cloak: the thread's own rhythm, pulled toward the collective's as identity fades.
fn crests(d: ThreadData) -> f32 {
    return mix(cloak.collective.w, d.wave.x, d.fate.x);
}

fn wave_argument(d: ThreadData, x: f32, t: f32) -> f32 {
    return TAU * crests(d) * x + d.wave.y + t * d.wave.w;
}

// A point of a thread, with the cloth's normal and cavity there.
struct Place {
    point: vec3<f32>,
    normal: vec3<f32>,
    cavity: f32,
};

fn weft_place(d: ThreadData, entry: u32, u: f32, t: f32) -> Place {
    let spacing = 1.0 / max(cloak.rows, 1.0);
    let slot = slot_at(d, t);
    let span = span_at(d, t);
    let x = span.x + u * span.y;
    // Each thread wanders a little on its own, through noise; on a crowded cloak every thread keeps
    // closer to its row, so that rows stay rows.
    let wander = gradient_noise(vec3<f32>(x * 2.5 + slot * 13.0, slot * 7.0, t * 0.07));
    let loose = unravelled(d, t);
    let identity = d.fate.x;
    let calm = 1.0 - 0.65 * cloak.density;
    let v = slot + spacing * 0.5 * calm * (d.wave.z * (0.25 + 0.75 * identity) * sin(wave_argument(d, x, t)) + 0.8 * wander)
        + loose * 0.08 * sin(u * 9.0 + t * 2.0);
    let c = cloth(x, v, t);
    // Over and under the warp; neighbouring threads alternate, longer floats for some texts —
    // until the protocol flattens every weave into one pattern. An unravelling thread lifts away.
    let parity = f32(entry % 2u);
    let float_length = mix(1.0, max(d.shape.z, 1.0), identity);
    let lift = 0.025 * sin(PI * (x * WARP_CROSSINGS / float_length + parity)) + 1.5 * loose * loose;
    return Place(c.point + c.normal * lift, c.normal, c.cavity);
}

fn warp_place(d: ThreadData, entry: u32, v: f32, t: f32) -> Place {
    let c = cloth(d.shape.x, v, t);
    let lift = -0.012 * sin(PI * (v * 24.0 + f32(entry % 2u)));
    return Place(c.point + c.normal * lift, c.normal, c.cavity);
}

// A Sanctuary bridge: from where it leaves one thread (row shape.x, across span.x) to where it meets
// another (row life.z, across span.y), arching out of the cloth. Connection without conformity:
// each end keeps its colour.
fn bridge_place(d: ThreadData, s: f32, t: f32) -> Place {
    let c = cloth(mix(d.span.x, d.span.y, s) + 0.01 * sin(s * TAU + t), mix(d.shape.x, d.life.z, s), t);
    return Place(c.point + c.normal * 0.45 * sin(PI * s), c.normal, 0.0);
}

fn thread_place(d: ThreadData, entry: u32, u: f32, t: f32) -> Place {
    if d.accent.w > 1.5 {
        return bridge_place(d, u, t);
    }
    if d.accent.w > 0.5 {
        return warp_place(d, entry, u, t);
    }
    return weft_place(d, entry, u, t);
}
