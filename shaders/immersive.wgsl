// Fulldome and 360°: one fullscreen pass of the rig's camera that looks up each pixel's direction
// in the cube map six face cameras rendered (src/immersive.rs). Mirrors `Immersive::direction`
// and `CubeFace::of`; the light stays linear HDR, and the rig's camera blooms and tonemaps it.
#import bevy_pbr::mesh_view_bindings::view

const PI: f32 = 3.141592653589793;

// Mirrors `ResampleUniform`: projection (0 fisheye, 1 equirect), half angle, 1 / face extent,
// the faces rendered (bit i: face i).
struct Resample {
    params: vec4<f32>,
};

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> resample: Resample;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var front: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(2) var back: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(3) var right: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(4) var left: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(5) var up: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(6) var down: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(7) var face_sampler: sampler;

struct Vertex {
    @location(0) position: vec3<f32>,
};

struct VertexOutput {
    @builtin(position) clip_position: vec4<f32>,
};

// The 2×2 quad is the screen itself: its corners go straight to clip space.
@vertex
fn vertex(vertex: Vertex) -> VertexOutput {
    var out: VertexOutput;
    out.clip_position = vec4<f32>(vertex.position.xy, 0.5, 1.0);
    return out;
}

// Tangents −1..1 on a face (x right, y up) to its texture, whose inner part spans exactly 90°.
fn face_uv(tangent: vec2<f32>) -> vec2<f32> {
    let k = resample.params.z;
    return vec2<f32>(0.5 + 0.5 * tangent.x * k, 0.5 - 0.5 * tangent.y * k);
}

// Which face sees `d`, as `CubeFace::of` (ties to the front and back first); indices as
// `CubeFace::ALL`: front, back, right, left, up, down.
fn face_of(d: vec3<f32>) -> u32 {
    let a = abs(d);
    if a.z >= a.x && a.z >= a.y {
        return select(1u, 0u, d.z < 0.0);
    }
    if a.x >= a.y {
        return select(3u, 2u, d.x > 0.0);
    }
    return select(5u, 4u, d.y > 0.0);
}

// The light the cube map holds in direction `d` (the rig camera's coordinates).
fn sample_cube(d: vec3<f32>) -> vec3<f32> {
    var face = face_of(d);
    // A face not rendered is only ever chosen on its edge with the front, by rounding (a 90°
    // dome's rim): read the front there.
    if ((u32(resample.params.w) >> face) & 1u) == 0u {
        face = 0u;
    }
    switch face {
        case 1u: {
            return textureSampleLevel(back, face_sampler, face_uv(vec2<f32>(-d.x, d.y) / d.z), 0.0).rgb;
        }
        case 2u: {
            return textureSampleLevel(right, face_sampler, face_uv(vec2<f32>(d.z, d.y) / d.x), 0.0).rgb;
        }
        case 3u: {
            return textureSampleLevel(left, face_sampler, face_uv(vec2<f32>(-d.z, d.y) / -d.x), 0.0).rgb;
        }
        case 4u: {
            return textureSampleLevel(up, face_sampler, face_uv(vec2<f32>(d.x, d.z) / d.y), 0.0).rgb;
        }
        case 5u: {
            return textureSampleLevel(down, face_sampler, face_uv(vec2<f32>(d.x, -d.z) / -d.y), 0.0).rgb;
        }
        default: {
            return textureSampleLevel(front, face_sampler, face_uv(vec2<f32>(d.x, d.y) / -d.z), 0.0).rgb;
        }
    }
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let size = view.viewport.zw;
    var d = vec3<f32>(0.0, 0.0, -1.0);
    var coverage = 1.0;
    if resample.params.x < 0.5 {
        // Angular fisheye in the circle inscribed in the frame (a window need not be square),
        // its rim smoothed over one pixel.
        let radius = 0.5 * min(size.x, size.y);
        let centred = (in.clip_position.xy - view.viewport.xy - 0.5 * size) / radius;
        let p = vec2<f32>(centred.x, -centred.y);
        let r = length(p);
        coverage = clamp((1.0 - r) * radius + 0.5, 0.0, 1.0);
        if coverage <= 0.0 {
            return vec4<f32>(0.0, 0.0, 0.0, 1.0);
        }
        if r > 1e-6 {
            let theta = min(r, 1.0) * resample.params.y;
            let along = p / r;
            d = vec3<f32>(sin(theta) * along.x, sin(theta) * along.y, -cos(theta));
        }
    } else {
        let uv = (in.clip_position.xy - view.viewport.xy) / size;
        let longitude = (uv.x - 0.5) * 2.0 * PI;
        let latitude = (0.5 - uv.y) * PI;
        d = vec3<f32>(
            cos(latitude) * sin(longitude),
            sin(latitude),
            -cos(latitude) * cos(longitude),
        );
    }
    return vec4<f32>(sample_cube(d) * coverage, 1.0);
}
