// Every thread of the cloak, in one draw.
//
// The mesh carries only addresses: position = (u along the thread 0..1, side of the ribbon -1|+1,
// thread index). The vertex shader reads the thread's look from the storage buffer, finds where the
// thread runs through the draped, breathing cloak at the dream clock's time, and turns the ribbon
// to face the viewer. Threads are additive light, so bloom makes them glow.
#import bevy_pbr::{
    mesh_view_bindings::view,
    view_transformations::position_world_to_clip,
}

struct Cloak {
    time: f32,
    thread_count: u32,
    width: f32,
    height: f32,
};

// Mirrors `GpuThread` / `ThreadLook` in src/weave.
struct ThreadData {
    primary: vec4<f32>, // linear rgb, glow
    accent: vec4<f32>,  // linear rgb, unused
    wave: vec4<f32>,    // crests across the cloak, phase, amplitude (in thread spacings), ripple speed
    shape: vec4<f32>,   // slot 0..1 down the cloak, thickness, float length, woven-in time
};

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> cloak: Cloak;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var<storage, read> threads: array<ThreadData>;

const TAU: f32 = 6.28318530718;
const PI: f32 = 3.14159265359;
// Warp threads the weft passes over and under across the cloak's width (few enough that 64
// segments draw each crossing smoothly).
const WARP_THREADS: f32 = 20.0;
const SEGMENTS: f32 = 64.0;

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

fn wave_argument(d: ThreadData, u: f32, t: f32) -> f32 {
    return TAU * d.wave.x * u + d.wave.y + t * d.wave.w;
}

fn thread_position(d: ThreadData, index: u32, u: f32, t: f32) -> vec3<f32> {
    let spacing = 1.0 / f32(max(cloak.thread_count, 1u));
    let v = d.shape.x + d.wave.z * spacing * 0.5 * sin(wave_argument(d, u, t));
    var p = drape(u, v, t);
    // Over and under the warp; neighbouring threads alternate, longer floats for some texts.
    let parity = f32(index % 2u);
    let weave = sin(PI * (u * WARP_THREADS / max(d.shape.z, 1.0) + parity));
    p.z += 0.025 * weave;
    return p;
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
    @location(4) fade: f32,
};

@vertex
fn vertex(vertex: Vertex) -> VertexOutput {
    var out: VertexOutput;
    let index = u32(vertex.address.z + 0.5);
    let d = threads[index];
    let u = vertex.address.x;
    let side = vertex.address.y;
    let t = cloak.time;

    let du = 0.5 / SEGMENTS;
    let p = thread_position(d, index, u, t);
    let tangent = thread_position(d, index, min(u + du, 1.0), t)
        - thread_position(d, index, max(u - du, 0.0), t);
    let to_eye = view.world_position - p;
    var across = cross(tangent, to_eye);
    let len = length(across);
    across = select(vec3<f32>(0.0, 1.0, 0.0), across / len, len > 1e-6);

    // Threads taper into the cloak's edges.
    let taper = smoothstep(0.0, 0.04, u) * smoothstep(1.0, 0.96, u);
    let half_width = 0.5 * d.shape.y * (0.35 + 0.65 * taper);
    let world = p + across * side * half_width;

    out.clip_position = position_world_to_clip(world);
    out.primary = d.primary;
    out.accent = d.accent.rgb;
    out.ribbon = vec2<f32>(side, u);
    out.crest = 0.5 + 0.5 * sin(wave_argument(d, u, t));
    out.fade = taper * select(0.0, 1.0, cloak.thread_count > 0u);
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
    // Light runs slowly along each thread.
    let shimmer = 0.8 + 0.2 * sin(in.ribbon.y * 37.0 - cloak.time * 1.1 + in.primary.r * 9.0);
    let color = mix(in.primary.rgb, in.accent, 0.7 * glint) * in.primary.w * (0.2 + 0.8 * core) * shimmer;
    // Alpha 0 with premultiplied blending is pure addition.
    return vec4<f32>(color * in.fade, 0.0);
}
