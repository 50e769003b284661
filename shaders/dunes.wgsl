// The dream dunes: sand lit by the sky's glow from above and the cloak's light from behind,
// rippled by fine noise, fading into the horizon fog with distance.
#import bevy_pbr::{
    mesh_functions,
    mesh_view_bindings::view,
    view_transformations::position_world_to_clip,
}
#import dreamloom::noise::{fbm, gradient_noise}

// Mirrors `DuneUniform` in src/dreamscape/dunes.rs.
struct Dunes {
    sand: vec4<f32>,
    shadow: vec4<f32>,
    horizon: vec4<f32>,
    nebula: vec4<f32>,
    seed_time: vec4<f32>,
    params: vec4<f32>, // fog
};

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> dunes: Dunes;

struct Vertex {
    @builtin(instance_index) instance_index: u32,
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
};

struct VertexOutput {
    @builtin(position) clip_position: vec4<f32>,
    @location(0) world_position: vec3<f32>,
    @location(1) normal: vec3<f32>,
};

@vertex
fn vertex(vertex: Vertex) -> VertexOutput {
    var out: VertexOutput;
    let world_from_local = mesh_functions::get_world_from_local(vertex.instance_index);
    let world = mesh_functions::mesh_position_local_to_world(world_from_local, vec4<f32>(vertex.position, 1.0));
    out.world_position = world.xyz;
    out.normal = vertex.normal;
    out.clip_position = position_world_to_clip(world.xyz);
    return out;
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let seed = dunes.seed_time.xyz;
    let p = in.world_position;
    // Wind ripples across the sand bend the normal a little.
    let ripple = gradient_noise(vec3<f32>(p.x * 1.7 + p.z * 0.4, p.z * 0.3, seed.x));
    let normal = normalize(in.normal + vec3<f32>(0.12 * ripple, 0.0, 0.05 * ripple));
    // A low moon behind the viewer, the cloak's glow above the centre.
    let moon = normalize(vec3<f32>(-0.4, 0.55, 0.75));
    let lit = clamp(dot(normal, moon), 0.0, 1.0);
    var color = mix(dunes.shadow.rgb, dunes.sand.rgb, lit);
    let to_cloak = vec3<f32>(0.0, 0.0, 0.0) - p;
    let cloak_glow = clamp(dot(normal, normalize(to_cloak)), 0.0, 1.0) / (1.0 + 0.02 * dot(to_cloak, to_cloak));
    color += dunes.nebula.rgb * 0.5 * cloak_glow;
    // Sheen on the crests, as if the sand remembered light.
    let view_dir = normalize(view.world_position - p);
    let rim = pow(1.0 - clamp(dot(normal, view_dir), 0.0, 1.0), 3.0);
    color += dunes.nebula.rgb * 0.35 * rim;
    // Fog thickens with distance and low down, and drifts.
    let distance = length(p - view.world_position);
    let drift = 0.5 + 0.5 * fbm(vec3<f32>(p.x * 0.05 + dunes.seed_time.w * 0.02, p.y * 0.3, p.z * 0.05) + seed, 3);
    let fog = clamp(1.0 - exp(-distance * 0.011 * (0.5 + dunes.params.x) * (0.7 + 0.6 * drift)), 0.0, 1.0);
    color = mix(color, dunes.horizon.rgb * 1.1, fog);
    return vec4<f32>(color, 1.0);
}
