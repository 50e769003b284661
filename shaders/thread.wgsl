// Every thread of the cloak, in one draw.
//
// The mesh carries only addresses: position = (u along the thread 0..1, side of the ribbon -1|+1,
// buffer entry). The vertex shader reads the entry from the storage buffer — warp threads first,
// then one weft thread per narrative — finds where it runs through the draped, breathing cloak at
// the dream clock's time, and turns the ribbon to face the viewer. New threads draw themselves in,
// withdrawn ones unravel out, moved ones glide: all from times in the buffer and the clock.
// Threads are additive light, so bloom makes them glow.
//
// `src/weave/path.rs` mirrors the path functions on the CPU (picking, finding a thread): change
// both together.
#import bevy_pbr::{
    mesh_view_bindings::view,
    view_transformations::position_world_to_clip,
}
#import dreamloom::noise::{gradient_noise, hash33}

struct Cloak {
    time: f32,
    entries: u32,
    warp_count: u32,
    weft_count: u32,
    width: f32,
    height: f32,
    // The collective the protocol pulls toward: mean rgb of the threads, mean crests.
    collective: vec4<f32>,
};

// Mirrors `GpuThread` in src/weave/gpu.rs.
struct ThreadData {
    primary: vec4<f32>, // linear rgb, glow
    accent: vec4<f32>,  // linear rgb, kind (0 weft, 1 warp)
    wave: vec4<f32>,    // crests across the cloak, phase, amplitude (thread spacings), ripple speed
    shape: vec4<f32>,   // slot, thickness, float length, highlight
    life: vec4<f32>,    // woven at, unravel at (<0: never), slot glides from, glide began at
    fate: vec4<f32>,    // identity (1 its own .. 0 the collective's), presence (1 woven .. 0 dissolved)
};

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> cloak: Cloak;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var<storage, read> threads: array<ThreadData>;

const TAU: f32 = 6.28318530718;
const PI: f32 = 3.14159265359;
// Warp crossings across the cloak's width for a float length of 1.
const WARP_CROSSINGS: f32 = 20.0;
const SEGMENTS: f32 = 64.0;
const WEAVE_IN_SECONDS: f32 = 4.0;
const UNRAVEL_SECONDS: f32 = 3.0;
const SLOT_GLIDE_SECONDS: f32 = 2.5;

// A point of the cloak's cloth: u across (0 left, 1 right), v down (0 shoulders, 1 hem).
fn drape(u: f32, v: f32, t: f32) -> vec3<f32> {
    let hang = v * v;
    // The cloth breathes: two slow waves travel across it, the hem moving most.
    let billow = 0.42 * sin(u * 3.4 + t * 0.29 + v * 2.1) + 0.14 * sin(u * 8.3 - t * 0.43 + v * 1.3);
    let sway = 0.22 * sin(t * 0.17 + v * 1.7) * hang;
    // It bows away from the viewer in the middle and is gathered narrower at the shoulders.
    let across = 2.0 * u - 1.0;
    let bow = -0.9 * (1.0 - across * across);
    let gather = mix(0.7, 1.0, smoothstep(0.0, 0.75, v));
    return vec3<f32>(
        (u - 0.5) * cloak.width * gather + sway,
        (0.5 - v) * cloak.height,
        billow * (0.2 + 0.8 * hang) + bow * (0.3 + 0.7 * v),
    );
}

fn eased(x: f32) -> f32 {
    let k = clamp(x, 0.0, 1.0);
    return k * k * (3.0 - 2.0 * k);
}

fn slot_at(d: ThreadData, t: f32) -> f32 {
    return mix(d.life.z, d.shape.x, eased((t - d.life.w) / SLOT_GLIDE_SECONDS));
}

// How far a leaving thread has unravelled, 0..1.
fn unravelled(d: ThreadData, t: f32) -> f32 {
    return select(0.0, clamp((t - d.life.y) / UNRAVEL_SECONDS, 0.0, 1.0), d.life.y >= 0.0);
}

// Crests across the cloak: the thread's own rhythm, pulled toward the collective's as identity fades.
fn crests(d: ThreadData) -> f32 {
    return mix(cloak.collective.w, d.wave.x, d.fate.x);
}

fn wave_argument(d: ThreadData, u: f32, t: f32) -> f32 {
    return TAU * crests(d) * u + d.wave.y + t * d.wave.w;
}

fn weft_point(d: ThreadData, entry: u32, u: f32, t: f32) -> vec3<f32> {
    let spacing = 1.0 / f32(max(cloak.weft_count, 1u));
    let slot = slot_at(d, t);
    // Each thread wanders a little on its own, through noise.
    let wander = gradient_noise(vec3<f32>(u * 2.5 + slot * 13.0, slot * 7.0, t * 0.07));
    let loose = unravelled(d, t);
    let identity = d.fate.x;
    let v = slot + spacing * 0.5 * (d.wave.z * (0.25 + 0.75 * identity) * sin(wave_argument(d, u, t)) + 0.8 * wander)
        + loose * 0.08 * sin(u * 9.0 + t * 2.0);
    var p = drape(u, v, t);
    // Over and under the warp; neighbouring threads alternate, longer floats for some texts —
    // until the protocol flattens every weave into one pattern.
    let parity = f32(entry % 2u);
    let float_length = mix(1.0, max(d.shape.z, 1.0), identity);
    p.z += 0.025 * sin(PI * (u * WARP_CROSSINGS / float_length + parity));
    // An unravelling thread lifts away from the cloth.
    p.z += 1.5 * loose * loose;
    return p;
}

fn warp_point(d: ThreadData, entry: u32, v: f32, t: f32) -> vec3<f32> {
    var p = drape(d.shape.x, v, t);
    p.z -= 0.012 * sin(PI * (v * 24.0 + f32(entry % 2u)));
    return p;
}

// A Sanctuary bridge: from one thread's slot (shape.x) to another's (life.z) at wave.x across the
// cloak, arching toward the viewer. Connection without conformity: each end keeps its colour.
fn bridge_point(d: ThreadData, s: f32, t: f32) -> vec3<f32> {
    var p = drape(d.wave.x + 0.01 * sin(s * TAU + t), mix(d.shape.x, d.life.z, s), t);
    p.z += 0.45 * sin(PI * s);
    return p;
}

fn thread_point(d: ThreadData, entry: u32, u: f32, t: f32) -> vec3<f32> {
    if d.accent.w > 1.5 {
        return bridge_point(d, u, t);
    }
    if d.accent.w > 0.5 {
        return warp_point(d, entry, u, t);
    }
    return weft_point(d, entry, u, t);
}

struct Vertex {
    @location(0) address: vec3<f32>,
};

struct VertexOutput {
    @builtin(position) clip_position: vec4<f32>,
    @location(0) primary: vec4<f32>,
    @location(1) accent: vec3<f32>,
    // x: -1..1 across the ribbon, y: u along the thread
    @location(2) ribbon: vec2<f32>,
    @location(3) crest: f32,
    // x: visibility 0..1, y: extra light at a weaving tip, z: highlight
    @location(4) light: vec3<f32>,
};

@vertex
fn vertex(vertex: Vertex) -> VertexOutput {
    var out: VertexOutput;
    let entry = u32(vertex.address.z + 0.5);
    if entry >= cloak.entries {
        // Spare room in the mesh: a degenerate triangle, never rasterised.
        out.clip_position = vec4<f32>(0.0, 0.0, -1.0, 1.0);
        return out;
    }
    let d = threads[entry];
    let t = cloak.time;
    let side = vertex.address.y;

    // The part of the thread that is on the cloak: woven in from the left, unravelled from the left.
    let woven = eased((t - d.life.x) / WEAVE_IN_SECONDS);
    let gone = unravelled(d, t);
    let u = clamp(vertex.address.x, gone, max(woven, gone));
    // Dissolving: the thread frays into fragments that lift and drift away as presence falls.
    let fray = 1.0 - d.fate.y;
    let fragment = floor(vertex.address.x * 48.0);
    let fragment_hash = hash33(vec3<i32>(i32(entry), i32(fragment), 7));
    let keep = select(1.0, 0.0, fragment_hash.x > d.fate.y * d.fate.y * 1.2 + 0.05 * d.fate.y);
    // Soft ends while weaving or unravelling; a whole thread keeps its own ends. (smoothstep needs
    // its low edge first, so falling edges are written as 1 - rising ones.)
    let head = select(woven, 2.0, woven >= 1.0);
    let tail = select(gone, -1.0, gone <= 0.0);
    let visible = (1.0 - smoothstep(head - 0.02, head + 1e-4, vertex.address.x))
        * smoothstep(tail - 1e-4, tail + 0.02, vertex.address.x)
        * (1.0 - gone)
        * select(keep * d.fate.y, 1.0, d.fate.y >= 1.0);

    let du = 0.5 / SEGMENTS;
    var p = thread_point(d, entry, u, t);
    let tangent = thread_point(d, entry, min(u + du, 1.0), t) - thread_point(d, entry, max(u - du, 0.0), t);
    p += fray * fray * vec3<f32>(
        0.6 * (fragment_hash.y - 0.5),
        1.6 * fragment_hash.z + 0.4 * sin(t * 0.7 + fragment),
        0.9 * fragment_hash.y,
    );
    let to_eye = view.world_position - p;
    var across = cross(tangent, to_eye);
    let len = length(across);
    across = select(vec3<f32>(0.0, 1.0, 0.0), across / len, len > 1e-6);

    // Threads taper into the cloak's edges; a found thread is drawn bolder.
    let taper = smoothstep(0.0, 0.04, u) * (1.0 - smoothstep(0.96, 1.0, u));
    let half_width = 0.5 * d.shape.y * (0.35 + 0.65 * taper) * (1.0 + 0.8 * d.shape.w);
    let world = p + across * side * half_width;

    // A crowded cloak packs threads closer than their width. Their light is shared so that the
    // cloth keeps its colours instead of summing to white: each thread gives up the brightness of
    // the neighbours it overlaps.
    let spacing = cloak.height / f32(max(cloak.weft_count, 1u));
    let overlap = select(1.0, max(1.0, d.shape.y / (0.8 * spacing)), d.accent.w < 0.5);

    out.clip_position = position_world_to_clip(world);
    // The protocol pulls the thread's colours toward the collective's as its identity fades.
    let own = select(d.fate.x, 1.0, d.accent.w > 0.5);
    out.primary = vec4<f32>(mix(cloak.collective.rgb, d.primary.rgb, own), d.primary.w / overlap);
    out.accent = mix(cloak.collective.rgb * 1.15, d.accent.rgb, own);
    if d.accent.w > 1.5 {
        // A bridge shades from one thread's colour to the other's.
        let shade = mix(d.primary.rgb, d.accent.rgb, u);
        out.primary = vec4<f32>(shade, d.primary.w);
        out.accent = shade;
    }
    out.ribbon = vec2<f32>(side, u);
    out.crest = 0.5 + 0.5 * sin(wave_argument(d, u, t));
    let tip = (woven - vertex.address.x) * 40.0;
    out.light = vec3<f32>(visible * taper, 3.0 * exp(-tip * tip) * (1.0 - step(1.0, woven)), d.shape.w);
    return out;
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let across = in.ribbon.x;
    // A bright core with a soft edge: the thread reads as light, not as a flat strip.
    let core = exp(-across * across * 3.5);
    // crest^6 by multiplication: pow() of an interpolated value that rounds below 0 is NaN, and a
    // NaN punches a black hole through the glow.
    let crest = clamp(in.crest, 0.0, 1.0);
    let crest2 = crest * crest;
    let glint = crest2 * crest2 * crest2;
    // Light runs slowly along each thread; a found thread pulses.
    let shimmer = 0.8 + 0.2 * sin(in.ribbon.y * 37.0 - cloak.time * 1.1 + in.primary.r * 9.0);
    let pulse = 1.0 + in.light.z * (1.2 + 0.6 * sin(cloak.time * 3.0));
    let body = mix(in.primary.rgb, in.accent, 0.7 * glint) * in.primary.w * (0.2 + 0.8 * core) * shimmer * pulse;
    let color = body + in.accent * in.light.y * core;
    // Alpha 0 with premultiplied blending is pure addition.
    return vec4<f32>(color * in.light.x, 0.0);
}
