// Hashing and noise shared by Dreamloom's shaders.
//
// Hashes are integer (PCG3D, Jarzynski & Olano 2020), not `fract(sin(x))`, which repeats and bands
// on GPUs with low-precision sin and differs between drivers.
#define_import_path dreamloom::noise

fn pcg3d(seed: vec3<u32>) -> vec3<u32> {
    var v = seed * 1664525u + 1013904223u;
    v.x += v.y * v.z;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    v ^= v >> vec3<u32>(16u);
    v.x += v.y * v.z;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    return v;
}

// Three uniform numbers in [0, 1) for an integer lattice point.
fn hash33(p: vec3<i32>) -> vec3<f32> {
    return vec3<f32>(pcg3d(bitcast<vec3<u32>>(p))) * (1.0 / 4294967296.0);
}

fn gradient(cell: vec3<i32>, offset: vec3<f32>) -> f32 {
    let g = hash33(cell) * 2.0 - 1.0;
    return dot(g, offset);
}

// Gradient noise in about [-1, 1], quintic fade so that derivatives are smooth.
fn gradient_noise(p: vec3<f32>) -> f32 {
    let cell = vec3<i32>(floor(p));
    let f = fract(p);
    let w = f * f * f * (f * (f * 6.0 - 15.0) + 10.0);
    let n000 = gradient(cell + vec3<i32>(0, 0, 0), f - vec3<f32>(0.0, 0.0, 0.0));
    let n100 = gradient(cell + vec3<i32>(1, 0, 0), f - vec3<f32>(1.0, 0.0, 0.0));
    let n010 = gradient(cell + vec3<i32>(0, 1, 0), f - vec3<f32>(0.0, 1.0, 0.0));
    let n110 = gradient(cell + vec3<i32>(1, 1, 0), f - vec3<f32>(1.0, 1.0, 0.0));
    let n001 = gradient(cell + vec3<i32>(0, 0, 1), f - vec3<f32>(0.0, 0.0, 1.0));
    let n101 = gradient(cell + vec3<i32>(1, 0, 1), f - vec3<f32>(1.0, 0.0, 1.0));
    let n011 = gradient(cell + vec3<i32>(0, 1, 1), f - vec3<f32>(0.0, 1.0, 1.0));
    let n111 = gradient(cell + vec3<i32>(1, 1, 1), f - vec3<f32>(1.0, 1.0, 1.0));
    let x00 = mix(n000, n100, w.x);
    let x10 = mix(n010, n110, w.x);
    let x01 = mix(n001, n101, w.x);
    let x11 = mix(n011, n111, w.x);
    return 1.6 * mix(mix(x00, x10, w.y), mix(x01, x11, w.y), w.z);
}

// Fractal sum of `octaves` gradient noises, each rotated so the lattice never lines up.
fn fbm(p_in: vec3<f32>, octaves: i32) -> f32 {
    let rotation = mat3x3<f32>(
        vec3<f32>(0.00, 0.80, 0.60),
        vec3<f32>(-0.80, 0.36, -0.48),
        vec3<f32>(-0.60, -0.48, 0.64),
    );
    var p = p_in;
    var amplitude = 0.5;
    var sum = 0.0;
    for (var i = 0; i < octaves; i++) {
        sum += amplitude * gradient_noise(p);
        p = rotation * p * 2.03;
        amplitude *= 0.5;
    }
    return sum;
}
