// Every thread of the cloak, in one draw.
//
// The mesh carries only addresses: position = (u along the thread 0..1, side of the ribbon -1|+1,
// buffer entry). The vertex shader reads the entry from the storage buffer — warp threads first,
// then one weft thread per narrative — finds where it runs through the draped, breathing cloak at
// the dream clock's time, and turns the ribbon to face the viewer. New threads draw themselves in,
// withdrawn ones unravel out, moved ones glide: all from times in the buffer and the clock.
// Threads are additive light, so bloom makes them glow.
//
// The cloth, the buffer's layout and the path functions are in cloth.wgsl (`dreamloom::cloth`),
// shared with the words that ride the threads (words.wgsl); `src/weave/path.rs` mirrors them on
// the CPU (picking, finding a thread): change them together.
#import bevy_pbr::{
    mesh_view_bindings::view,
    view_transformations::position_world_to_clip,
}
#import dreamloom::noise::{gradient_noise, hash33}
#import dreamloom::cloth::{
    cloak, threads, TAU, WEAVE_IN_SECONDS, eased, slot_at, span_at, thread_place, unravelled,
    wave_argument,
}

const SEGMENTS: f32 = 64.0;
// Pieces a dissolving thread frays into.
const FRAGMENTS: f32 = 48.0;

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
    // x: visibility 0..1, y: extra light at a weaving tip, z: highlight, w: how lit (0 a bridge's
    // own light, 1 lit by the moon like the cloth)
    @location(4) light: vec4<f32>,
    @location(5) world: vec3<f32>,
    @location(6) normal: vec3<f32>,
    @location(7) tangent: vec3<f32>,
    @location(8) cavity: f32,
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
    let is_weft = d.accent.w < 0.5;
    let is_bridge = d.accent.w > 1.5;

    // The part of the thread that is on the cloak: woven in from the left, unravelled from the left.
    let woven = eased((t - d.life.x) / WEAVE_IN_SECONDS);
    let gone = unravelled(d, t);
    let u = clamp(vertex.address.x, gone, max(woven, gone));
    // Dissolving: the thread frays away in patches of the cloth (a noise field over it), so that
    // holes open in the fabric where threads fray, ragged at their edges (fragment by fragment),
    // while the pieces about to go peel off, rise and fade. At no presence, nothing is left.
    let fray = 1.0 - d.fate.y;
    let fragment = floor(vertex.address.x * FRAGMENTS);
    let fragment_hash = hash33(vec3<i32>(i32(entry), i32(fragment), 7));
    var peel = 0.0;
    var gone_here = 0.0;
    if fray > 0.0 {
        let span = span_at(d, t);
        let x = span.x + vertex.address.x * span.y;
        let field = 0.5 + 0.5 * gradient_noise(vec3<f32>(x * 7.0, slot_at(d, t) * 9.0, 3.7));
        let holding = 1.25 * d.fate.y * d.fate.y - 0.25;
        // Smooth along the thread, so that a rising piece bends rather than tears.
        peel = clamp((0.75 * field + 0.125 - holding) / 0.25, 0.0, 1.0);
        gone_here = clamp((0.75 * field + 0.25 * fragment_hash.x - holding) / 0.25, 0.0, 1.0);
    }
    // Soft ends while weaving or unravelling; a whole thread keeps its own ends. (smoothstep needs
    // its low edge first, so falling edges are written as 1 - rising ones.)
    let head = select(woven, 2.0, woven >= 1.0);
    let tail = select(gone, -1.0, gone <= 0.0);
    let visible = (1.0 - smoothstep(head - 0.02, head + 1e-4, vertex.address.x))
        * smoothstep(tail - 1e-4, tail + 0.02, vertex.address.x)
        * (1.0 - gone)
        * (1.0 - gone_here);

    let du = 0.5 / SEGMENTS;
    let place = thread_place(d, entry, u, t);
    var p = place.point;
    let tangent = thread_place(d, entry, min(u + du, 1.0), t).point
        - thread_place(d, entry, max(u - du, 0.0), t).point;
    let drift = hash33(vec3<i32>(i32(entry), 11, 7));
    p += peel * peel * vec3<f32>(
        0.8 * (drift.x - 0.5),
        1.6 + 0.8 * drift.y + 0.3 * sin(t * 0.7 + drift.z * TAU),
        1.0 * drift.z,
    );
    let to_eye = view.world_position - p;
    var across = cross(tangent, to_eye);
    let len = length(across);
    across = select(vec3<f32>(0.0, 1.0, 0.0), across / len, len > 1e-6);

    // Threads taper into their ends; a found thread is drawn bolder. On a crowded cloak a thread
    // is no wider than most of its row, so that dark gaps keep the rows apart and every thread
    // can still be told from its neighbours.
    let taper = smoothstep(0.0, 0.04, u) * (1.0 - smoothstep(0.96, 1.0, u));
    let spacing = cloak.height / max(cloak.rows, 1.0);
    let width = select(d.shape.y, mix(d.shape.y, min(d.shape.y, 0.62 * spacing), cloak.fit), is_weft);
    let half_width = 0.5 * width * (0.35 + 0.65 * taper) * (1.0 + 0.8 * d.shape.w);
    let world = p + across * side * half_width;

    // Where threads still overlap, their light is shared so that the cloth keeps its colours
    // instead of summing to white; a crowded cloak glows more softly, and while the protocol pulls,
    // the Sanctuary's threads shine out whole.
    let overlap = select(1.0, max(1.0, width / (0.8 * spacing)), is_weft);
    let is_warp = !is_weft && !is_bridge;
    // A thread the protocol has paled gives less light; the Sanctuary's keep theirs and more.
    let paled = select(1.0, mix(0.45, 1.0, d.fate.x), is_weft);
    let glow = d.primary.w / overlap * (1.0 - select(0.3, 0.6, is_warp) * cloak.density)
        * paled * (1.0 + 0.8 * d.fate.z * cloak.pull);

    out.clip_position = position_world_to_clip(world);
    // The protocol pulls the thread's colours toward the collective's as its identity fades.
    let own = select(1.0, d.fate.x, is_weft);
    out.primary = vec4<f32>(mix(cloak.collective.rgb, d.primary.rgb, own), glow);
    out.accent = mix(cloak.collective.rgb * 1.15, d.accent.rgb, own);
    if is_bridge {
        // A bridge shades from one thread's colour to the other's.
        let shade = mix(d.primary.rgb, d.accent.rgb, u);
        out.primary = vec4<f32>(shade, d.primary.w);
        out.accent = shade;
    }
    out.ribbon = vec2<f32>(side, u);
    let span = span_at(d, t);
    out.crest = 0.5 + 0.5 * sin(wave_argument(d, select(u, span.x + u * span.y, is_weft), t));
    let tip = (woven - vertex.address.x) * 40.0;
    out.light = vec4<f32>(
        visible * taper,
        3.0 * exp(-tip * tip) * (1.0 - step(1.0, woven)),
        d.shape.w,
        select(1.0, 0.0, is_bridge),
    );
    out.world = world;
    out.normal = place.normal;
    out.tangent = tangent;
    out.cavity = place.cavity;
    return out;
}

// A direction of unit length, or `fallback` where there is none.
fn unit_or(v: vec3<f32>, fallback: vec3<f32>) -> vec3<f32> {
    let len = length(v);
    return select(fallback, v / len, len > 1e-6);
}

// Where the moon lights the cloth from: above, to the left, in front.
const MOON: vec3<f32> = vec3<f32>(-0.45, 0.75, 0.48);

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

    // The cloth's light: the moon on the folds (seen from either side), less in their valleys,
    // a rim where the cloth turns away, and a sheen running along the threads (Kajiya-Kay).
    let to_eye = unit_or(view.world_position - in.world, vec3<f32>(0.0, 0.0, 1.0));
    var n = unit_or(in.normal, vec3<f32>(0.0, 0.0, 1.0));
    n = select(n, -n, dot(n, to_eye) < 0.0);
    let moon = normalize(MOON);
    let lambert = max(dot(n, moon), 0.0);
    let turned = 1.0 - clamp(dot(n, to_eye), 0.0, 1.0);
    let rim = turned * turned * turned;
    let along = unit_or(in.tangent, vec3<f32>(1.0, 0.0, 0.0));
    let half_way = normalize(moon + to_eye);
    let cos_th = dot(along, half_way);
    let sin_th = sqrt(max(1.0 - cos_th * cos_th, 0.0));
    let s2 = sin_th * sin_th;
    let s8 = s2 * s2 * s2 * s2;
    let sheen = s8 * s8 * s8;
    let lit = (0.5 + 0.5 * lambert) * (1.0 - 0.4 * clamp(in.cavity, 0.0, 1.0))
        + cloak.sheen * (0.35 * rim + 0.3 * sheen);
    let shade = mix(1.0, lit, in.light.w);

    let body = mix(in.primary.rgb, in.accent, 0.7 * glint) * in.primary.w * (0.2 + 0.8 * core) * shimmer * pulse * shade;
    let color = body + in.accent * in.light.y * core;
    // Alpha 0 with premultiplied blending is pure addition.
    return vec4<f32>(color * in.light.x, 0.0);
}
