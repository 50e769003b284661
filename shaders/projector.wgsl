// One projector's output: its slice of the wide frame the piece's camera rendered, edge-blended
// in linear light and warped through its corner-pin — or, calibrating, a test grid warped the
// same way. One quad covers the output; each pixel looks back through the inverse corner-pin.
//
// The GPU twin of `finish_output` in src/outputs.rs, to the same conventions: uv (0..1, y down)
// at pixel centres, corners top-left, top-right, bottom-right, bottom-left; the blend weight of
// each texel's column (`Layout::blend_weight`) applied before the bilinear filter, which clamps to
// the slice's own texels. Change both together.
#import bevy_pbr::mesh_view_bindings::view

// Mirrors `ProjectorUniform` in src/projectors/material.rs.
struct Projector {
    slice: vec4<f32>,     // its slice of the wide frame, pixels: left, top, width, height
    frame: vec4<f32>,     // the wide frame's width and height; overlap shared on the left, on the right (pixels)
    inverse_x: vec4<f32>, // rows of the inverse corner-pin: output uv -> frame uv
    inverse_y: vec4<f32>,
    inverse_w: vec4<f32>,
    mode: vec4<f32>,      // x: 1 draws the calibration grid
};

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> projector: Projector;
// sRGB: every texel read is linear light.
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var wide: texture_2d<f32>;

struct Vertex {
    @location(0) position: vec3<f32>,
};

struct VertexOutput {
    @builtin(position) clip_position: vec4<f32>,
};

// The quad (-1..1) is the whole output: straight into clip space, whatever the view.
@vertex
fn vertex(vertex: Vertex) -> VertexOutput {
    var out: VertexOutput;
    out.clip_position = vec4<f32>(vertex.position.xy, 0.5, 1.0);
    return out;
}

// As `ramp` in src/outputs.rs: ramp(t) + ramp(1 - t) = 1.
fn ramp(t: f32) -> f32 {
    let c = clamp(t, 0.0, 1.0);
    return c * c * (3.0 - 2.0 * c);
}

// As `Layout::blend_weight`: the weight at `centre` pixels from the slice's left edge.
fn blend(centre: f32) -> f32 {
    let width = projector.slice.z;
    let left = projector.frame.z;
    let right = projector.frame.w;
    var weight = 1.0;
    if left > 0.0 && centre < left {
        weight *= ramp(centre / left);
    }
    if right > 0.0 && centre > width - right {
        weight *= 1.0 - ramp((centre - (width - right)) / right);
    }
    return weight;
}

// Texel `p` of the slice (pixels from its top left), blended.
fn texel(p: vec2<i32>) -> vec3<f32> {
    let offset = vec2<i32>(projector.slice.xy);
    return textureLoad(wide, offset + p, 0).rgb * blend(f32(p.x) + 0.5);
}

// The blended slice at `source` (frame uv), filtered bilinearly within the slice.
fn picture(source: vec2<f32>) -> vec3<f32> {
    let size = projector.slice.zw;
    let s = clamp(source * size - 0.5, vec2<f32>(0.0), size - 1.0);
    let low = floor(s);
    let p0 = vec2<i32>(low);
    let p1 = min(p0 + vec2<i32>(1), vec2<i32>(size) - vec2<i32>(1));
    let t = s - low;
    let top = mix(texel(p0), texel(vec2<i32>(p1.x, p0.y)), t.x);
    let bottom = mix(texel(vec2<i32>(p0.x, p1.y)), texel(p1), t.x);
    return mix(top, bottom, t.y);
}

// The calibration grid at `source` (frame uv): lines a sixteenth of the frame's height apart,
// laid on the wide frame (so a neighbour's lines fall on this one's across the overlap when the
// two are aligned), the overlaps tinted (blue: shared with the left, red: with the right), all
// blended as the picture is; over it, unblended, the output's own border and a cross at its centre.
fn grid(source: vec2<f32>) -> vec3<f32> {
    let size = projector.slice.zw;
    let px = source * size;
    let left = projector.frame.z;
    let right = projector.frame.w;
    var colour = vec3<f32>(0.02);
    if px.x < left {
        colour = vec3<f32>(0.04, 0.1, 0.35);
    }
    if px.x > size.x - right {
        colour = vec3<f32>(0.35, 0.06, 0.04);
    }
    let spacing = projector.frame.y / 16.0;
    let cell = (px + projector.slice.xy) / spacing;
    let off_line = abs(cell - round(cell)) * spacing;
    if min(off_line.x, off_line.y) < 1.0 {
        colour = vec3<f32>(0.8);
    }
    colour *= blend(px.x);
    let edge = min(min(px.x, size.x - px.x), min(px.y, size.y - px.y));
    if edge < 4.0 {
        colour = vec3<f32>(1.0, 0.8, 0.1);
    }
    let c = abs(px - size * 0.5);
    let arm = size.y / 8.0;
    if (c.x < 2.0 && c.y < arm) || (c.y < 2.0 && c.x < arm) {
        colour = vec3<f32>(0.1, 1.0, 0.3);
    }
    return colour;
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let uv = (in.clip_position.xy - view.viewport.xy) / view.viewport.zw;
    let p = vec3<f32>(uv, 1.0);
    let q = vec3<f32>(
        dot(projector.inverse_x.xyz, p),
        dot(projector.inverse_y.xyz, p),
        dot(projector.inverse_w.xyz, p),
    );
    let source = q.xy / q.z;
    // Outside the pinned shape the projector shows nothing.
    if any(source < vec2<f32>(0.0)) || any(source > vec2<f32>(1.0)) {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    if projector.mode.x > 0.5 {
        return vec4<f32>(grid(source), 1.0);
    }
    return vec4<f32>(picture(source), 1.0);
}
