// The sky dome: a night gradient, drifting nebulae of domain-warped fbm, hashed stars that
// twinkle, and fog gathered around the horizon. A pure function of view direction, seed and time.
#import bevy_pbr::{
    mesh_functions,
    mesh_view_bindings::view,
    view_transformations::position_world_to_clip,
}
#import dreamloom::noise::{fbm, hash33}

// Mirrors `SkyUniform` in src/dreamscape/sky.rs.
struct Sky {
    zenith: vec4<f32>,
    horizon: vec4<f32>,
    nebula: vec4<f32>,
    seed_time: vec4<f32>, // xyz: seed offset, w: seconds
    params: vec4<f32>,    // nebula scale, drift speed, star density, fog
};

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> sky: Sky;

struct Vertex {
    @builtin(instance_index) instance_index: u32,
    @location(0) position: vec3<f32>,
};

struct VertexOutput {
    @builtin(position) clip_position: vec4<f32>,
    @location(0) world_position: vec3<f32>,
};

@vertex
fn vertex(vertex: Vertex) -> VertexOutput {
    var out: VertexOutput;
    let world_from_local = mesh_functions::get_world_from_local(vertex.instance_index);
    let world = mesh_functions::mesh_position_local_to_world(world_from_local, vec4<f32>(vertex.position, 1.0));
    out.world_position = world.xyz;
    out.clip_position = position_world_to_clip(world.xyz);
    return out;
}

fn stars(dir: vec3<f32>, seed: vec3<f32>, t: f32, density: f32) -> f32 {
    let p = dir * 170.0;
    let cell = vec3<i32>(floor(p));
    let h = hash33(cell + vec3<i32>(seed));
    let center = vec3<f32>(cell) + 0.5 + (h - 0.5) * 0.5;
    let d = length(p - center);
    let twinkle = 0.65 + 0.35 * sin(t * (0.6 + 2.0 * h.z) + h.y * 60.0);
    return select(0.0, (1.0 - smoothstep(0.0, 0.42, d)) * (0.4 + 2.2 * h.y * h.y) * twinkle, h.x < density);
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let dir = normalize(in.world_position - view.world_position);
    let seed = sky.seed_time.xyz;
    let t = sky.seed_time.w;
    let scale = sky.params.x;
    let drift = sky.params.y;
    let up = dir.y;

    // Night gradient above, a dim misty floor below.
    var color = mix(sky.horizon.rgb, sky.zenith.rgb, pow(max(smoothstep(-0.02, 0.85, up), 1e-5), 0.55));
    color = mix(color, sky.horizon.rgb * 0.35, 1.0 - smoothstep(-0.5, 0.0, up));

    // Nebulae: fbm warped by fbm, drifting slowly, shifting hue where the warp folds.
    let p = dir * scale + seed + vec3<f32>(t * drift, 0.0, t * drift * 0.6);
    let warp = vec3<f32>(
        fbm(p + vec3<f32>(3.1, 0.0, 0.0), 4),
        fbm(p + vec3<f32>(0.0, 7.7, 0.0), 4),
        fbm(p + vec3<f32>(0.0, 0.0, 1.3), 4),
    );
    let n = fbm(p + warp * 1.6, 5);
    let cloud = smoothstep(-0.08, 0.55, n);
    let tint = mix(sky.nebula.rgb, sky.nebula.bgr * vec3<f32>(0.6, 1.1, 1.3), smoothstep(-0.25, 0.35, warp.x));
    let above = smoothstep(-0.15, 0.25, up);
    color += tint * cloud * cloud * 1.5 * above;
    // Dark lanes of dust through the brighter clouds.
    let dust = smoothstep(0.05, 0.45, fbm(p * 2.6 + seed.zxy, 3));
    color *= 1.0 - 0.5 * dust * cloud * above;

    color += vec3<f32>(0.9, 0.92, 1.0) * stars(dir, seed, t, sky.params.z) * smoothstep(0.02, 0.3, up) * (1.0 - 0.8 * cloud);

    // Fog gathers around the horizon and drifts.
    let band = exp(-abs(up) * mix(16.0, 4.0, sky.params.w));
    let fog_noise = 0.55 + 0.45 * fbm(vec3<f32>(dir.x * 2.5, up * 9.0, dir.z * 2.5) + seed + vec3<f32>(t * drift * 4.0, 0.0, 0.0), 3);
    let fog_color = sky.horizon.rgb * 1.7 + sky.nebula.rgb * 0.25;
    color = mix(color, fog_color, clamp(band * sky.params.w * fog_noise, 0.0, 1.0));
    return vec4<f32>(color, 1.0);
}
