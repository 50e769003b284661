// The words on the cloak: every glyph of every speaking thread, in one draw.
//
// The mesh carries only addresses: position = (corner x 0|1, corner y 0|1, glyph index). The vertex
// shader reads the glyph — its thread's buffer entry, where along the thread it sits, its quad, its
// rectangle in the atlas — finds its thread where thread.wgsl draws it (the same path functions,
// from cloth.wgsl) and lays the quad on the cloth there: in the plane of the thread's direction
// and the cloth's up, readable from the cloak's outside, a little out toward the viewer. As the
// protocol dissolves a thread (its presence falls) or it unravels, each glyph lifts off the cloth
// at its own moment, drifts up and fades; the Sanctuary's threads keep their words whole. The
// fragment shader draws the glyph's coverage from the atlas in its thread's colours, over a soft
// dark halo.
//
// `src/weave/words.rs` lays the glyphs out and mirrors the fraying: change both together.
#import bevy_pbr::{
    mesh_view_bindings::view,
    view_transformations::position_world_to_clip,
}
#import dreamloom::noise::hash33
#import dreamloom::cloth::{cloak, threads, TAU, WEAVE_IN_SECONDS, eased, thread_place, unravelled}

// Mirrors `GpuGlyph` in src/weave/words.rs.
struct Glyph {
    place: vec4<f32>,  // its thread's buffer entry, u of its centre along the thread, its own random 0..1, 1 if drawn
    quad: vec4<f32>,   // half its width along the thread, its bottom above the thread, its height, one atlas texel (world units)
    uv: vec4<f32>,     // its rectangle in the atlas: left, top, right, bottom
    colour: vec4<f32>, // linear rgb, brightness
    voice: vec4<f32>,  // its thread began to speak, stopped (<0: still speaks), clock seconds; unused, unused
};

@group(#{MATERIAL_BIND_GROUP}) @binding(2) var<storage, read> glyphs: array<Glyph>;
@group(#{MATERIAL_BIND_GROUP}) @binding(3) var atlas: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(4) var atlas_sampler: sampler;

// As FADE_IN_SECONDS, FADE_OUT_SECONDS and FRAY_SPREAD in src/weave/words.rs.
const FADE_IN_SECONDS: f32 = 0.8;
const FADE_OUT_SECONDS: f32 = 1.2;
const FRAY_SPREAD: f32 = 0.6;
// How far the words stand out of the cloth toward the viewer, world units.
const STAND_OUT: f32 = 0.04;
// Atlas texels around each glyph's ink that its halo reaches, and how dark the halo is.
const HALO_TEXELS: f32 = 4.0;
const HALO: f32 = 0.6;

struct Vertex {
    @location(0) address: vec3<f32>,
};

struct VertexOutput {
    @builtin(position) clip_position: vec4<f32>,
    // Where in the atlas this point samples.
    @location(0) uv: vec2<f32>,
    // The glyph's own rectangle in the atlas: nothing outside it is its ink.
    @location(1) @interpolate(flat) rect: vec4<f32>,
    // Linear rgb light, and how much of the glyph shows (fading in and out, fraying).
    @location(2) @interpolate(flat) colour: vec4<f32>,
};

// A direction of unit length, or `fallback` where there is none.
fn unit_or(v: vec3<f32>, fallback: vec3<f32>) -> vec3<f32> {
    let len = length(v);
    return select(fallback, v / len, len > 1e-6);
}

// How far a glyph has frayed off its thread, 0 (whole) .. 1 (gone): as the thread dissolves or
// unravels, each glyph lifts away at its own moment. The Sanctuary keeps its words whole against
// the protocol. Mirrors `glyph_fray` in src/weave/words.rs.
fn glyph_fray(presence: f32, loose: f32, sanctuary: f32, random: f32) -> f32 {
    let dissolving = select(clamp(1.0 - presence, 0.0, 1.0), 0.0, sanctuary > 0.5);
    let fray = max(dissolving, clamp(loose, 0.0, 1.0));
    return clamp((fray - FRAY_SPREAD * random) / (1.0 - FRAY_SPREAD), 0.0, 1.0);
}

// Where a fraying glyph has drifted: off the cloth, up and a little aside, each its own way.
// Mirrors `fray_offset` in src/weave/words.rs.
fn fray_offset(fray: f32, drift: vec3<f32>, out_of_cloth: vec3<f32>) -> vec3<f32> {
    return fray * fray * (out_of_cloth * (0.3 + 0.5 * drift.x)
        + vec3<f32>(0.6 * (drift.y - 0.5), 0.9 + 0.9 * drift.z, 0.0));
}

@vertex
fn vertex(vertex: Vertex) -> VertexOutput {
    var out: VertexOutput;
    // Spare room in the buffer, a glyph whose thread is gone, or one not showing: a degenerate
    // triangle, never rasterised.
    out.clip_position = vec4<f32>(0.0, 0.0, -1.0, 1.0);
    let index = u32(vertex.address.z + 0.5);
    if index >= arrayLength(&glyphs) {
        return out;
    }
    let g = glyphs[index];
    let entry = u32(g.place.x + 0.5);
    if g.place.w < 0.5 || entry >= cloak.entries {
        return out;
    }
    let d = threads[entry];
    let t = cloak.time;
    let u = g.place.y;

    // Words fade in as their thread begins to speak and out when it stops, and show only where
    // their thread is woven in.
    let fade_in = eased((t - g.voice.x) / FADE_IN_SECONDS);
    let fade_out = select(1.0, 1.0 - eased((t - g.voice.y) / FADE_OUT_SECONDS), g.voice.y >= 0.0);
    let woven = eased((t - d.life.x) / WEAVE_IN_SECONDS);
    let shown = smoothstep(u - 0.03, u, woven);
    let frayed = glyph_fray(d.fate.y, unravelled(d, t), d.fate.z, g.place.z);
    let alpha = fade_in * fade_out * shown * (1.0 - frayed);
    if alpha <= 0.0 {
        return out;
    }

    // The thread here, which way it runs, and the cloth's up across it: the plane the glyph lies
    // in, facing out of the cloth (x along the thread, left to right across the cloak; y up).
    let place = thread_place(d, entry, u, t);
    let du = 0.004;
    let run = thread_place(d, entry, min(u + du, 1.0), t).point
        - thread_place(d, entry, max(u - du, 0.0), t).point;
    let along = unit_or(run, vec3<f32>(1.0, 0.0, 0.0));
    let normal = unit_or(place.normal, vec3<f32>(0.0, 0.0, 1.0));
    let up = unit_or(cross(normal, along), vec3<f32>(0.0, 1.0, 0.0));
    // Out of the cloth on the viewer's side, so that the threads do not cover the words.
    let to_eye = view.world_position - place.point;
    let out_of_cloth = select(normal, -normal, dot(normal, to_eye) < 0.0);

    // The quad, grown by the halo's reach on every side.
    let corner = vertex.address.xy;
    let pad = HALO_TEXELS * g.quad.w;
    let across = (2.0 * corner.x - 1.0) * (g.quad.x + pad);
    let rise = g.quad.y - pad + corner.y * (g.quad.z + 2.0 * pad);
    var p = place.point + along * across + up * rise + out_of_cloth * STAND_OUT;
    let drift = hash33(vec3<i32>(i32(g.place.z * 65536.0), 23, 5));
    p += fray_offset(frayed, drift, out_of_cloth);

    let pad_uv = HALO_TEXELS / f32(textureDimensions(atlas).x);
    out.clip_position = position_world_to_clip(p);
    out.uv = vec2<f32>(
        mix(g.uv.x - pad_uv, g.uv.z + pad_uv, corner.x),
        mix(g.uv.w + pad_uv, g.uv.y - pad_uv, corner.y),
    );
    out.rect = g.uv;
    // The thread's colours, pulled toward the collective's as the protocol takes the thread's
    // identity, as the thread's own are.
    let own = mix(cloak.collective.rgb, g.colour.rgb, d.fate.x);
    out.colour = vec4<f32>(own * g.colour.w, alpha);
    return out;
}

// The glyph's ink at `uv`: the atlas's coverage inside the glyph's own rectangle, nothing outside
// it (the atlas packs other glyphs there).
fn ink(uv: vec2<f32>, rect: vec4<f32>) -> f32 {
    let inside = step(rect.x, uv.x) * step(uv.x, rect.z) * step(rect.y, uv.y) * step(uv.y, rect.w);
    return textureSampleLevel(atlas, atlas_sampler, uv, 0.0).r * inside;
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    // Four samples within the pixel: the atlas is drawn smaller than it was rasterised, and one
    // sample would shimmer.
    let dx = 0.25 * dpdx(in.uv);
    let dy = 0.25 * dpdy(in.uv);
    let core = 0.25 * (ink(in.uv - dx - dy, in.rect) + ink(in.uv + dx - dy, in.rect)
        + ink(in.uv - dx + dy, in.rect) + ink(in.uv + dx + dy, in.rect));
    // A soft dark halo: the most ink within a few texels, fainter further out, so that a word
    // reads over the bright threads beneath it.
    let texel = 1.0 / vec2<f32>(textureDimensions(atlas));
    var halo = 0.0;
    for (var i = 0; i < 8; i += 1) {
        let angle = f32(i) * TAU / 8.0;
        let step_out = vec2<f32>(cos(angle), sin(angle)) * texel * HALO_TEXELS;
        halo = max(halo, ink(in.uv + 0.5 * step_out, in.rect));
        halo = max(halo, 0.5 * ink(in.uv + step_out, in.rect));
    }
    let shown = in.colour.a;
    // Premultiplied: the glyph's light over the cloth, darkened around its strokes.
    return vec4<f32>(in.colour.rgb * core * shown, max(core, HALO * halo) * shown);
}
