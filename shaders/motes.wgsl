// Motes of light drifting up through the dream. Each quad's corner and index come from the mesh;
// where the mote is comes from its hashed index, the seed and the clock alone.
#import bevy_pbr::{
    mesh_view_bindings::view,
    view_transformations::position_world_to_clip,
}
#import dreamloom::noise::{hash33, gradient_noise}

// Mirrors `MoteUniform` in src/dreamscape/motes.rs.
struct Motes {
    colour: vec4<f32>,    // rgb, brightness
    seed_time: vec4<f32>, // seed offset, seconds
    params: vec4<f32>,    // count, rise speed, size
};

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> motes: Motes;

// The box the motes drift through, around the cloak.
const LOW: vec3<f32> = vec3<f32>(-14.0, -4.0, -10.0);
const SIZE: vec3<f32> = vec3<f32>(28.0, 11.0, 18.0);

struct Vertex {
    @location(0) address: vec3<f32>, // corner x, corner y, mote index
};

struct VertexOutput {
    @builtin(position) clip_position: vec4<f32>,
    @location(0) corner: vec2<f32>,
    @location(1) light: vec3<f32>,
};

@vertex
fn vertex(vertex: Vertex) -> VertexOutput {
    var out: VertexOutput;
    let index = i32(vertex.address.z + 0.5);
    let t = motes.seed_time.w;
    let seed = vec3<i32>(motes.seed_time.xyz);
    let h = hash33(vec3<i32>(index, 17, 3) + seed);
    let g = hash33(vec3<i32>(index, 91, 7) + seed);
    // Rise at its own pace, wrapping from the top of the box back to the floor.
    var p = LOW + h * SIZE;
    let rise = motes.params.y * (0.5 + g.x);
    p.y = LOW.y + fract(h.y + t * rise / SIZE.y) * SIZE.y;
    // Swirl on slow noise.
    let q = p * 0.15 + vec3<f32>(0.0, 0.0, t * 0.05);
    p += vec3<f32>(gradient_noise(q), 0.3 * gradient_noise(q + 11.0), gradient_noise(q + 23.0)) * 1.2;
    // Fade in at the floor and out at the top, twinkle.
    let height = (p.y - LOW.y) / SIZE.y;
    let fade = smoothstep(0.0, 0.12, height) * (1.0 - smoothstep(0.8, 1.0, height));
    let twinkle = 0.6 + 0.4 * sin(t * (1.0 + 2.0 * g.y) + g.z * 40.0);
    // A quad facing the camera.
    let right = view.world_from_view[0].xyz;
    let up = view.world_from_view[1].xyz;
    let size = motes.params.z * (0.5 + g.z);
    let world = p + (right * vertex.address.x + up * vertex.address.y) * size;
    out.clip_position = position_world_to_clip(world);
    out.corner = vertex.address.xy;
    out.light = motes.colour.rgb * motes.colour.w * fade * twinkle * (0.6 + 0.8 * g.y);
    return out;
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let r2 = dot(in.corner, in.corner);
    let glow = exp(-r2 * 4.0) * (1.0 - smoothstep(0.8, 1.0, r2));
    return vec4<f32>(in.light * glow, 0.0);
}
