//! Where a thread runs, on the CPU: the same functions as `shaders/thread.wgsl` (and the noise of
//! `shaders/noise.wgsl`), so that a visitor's pointer or a receipt code can find a thread exactly
//! where the GPU drew it. Change both together; the picking render test checks they agree.

use std::f32::consts::{PI, TAU};

use bevy::math::{IVec3, Vec3, Vec4Swizzles};

use super::{
    gpu::{CloakUniform, GpuThread},
    loom::{SLOT_GLIDE_SECONDS, UNRAVEL_SECONDS, WEAVE_IN_SECONDS},
};

const WARP_CROSSINGS: f32 = 20.0;

fn pcg3d(seed: [u32; 3]) -> [u32; 3] {
    let mut v = seed.map(|x| x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223));
    v[0] = v[0].wrapping_add(v[1].wrapping_mul(v[2]));
    v[1] = v[1].wrapping_add(v[2].wrapping_mul(v[0]));
    v[2] = v[2].wrapping_add(v[0].wrapping_mul(v[1]));
    v = v.map(|x| x ^ (x >> 16));
    v[0] = v[0].wrapping_add(v[1].wrapping_mul(v[2]));
    v[1] = v[1].wrapping_add(v[2].wrapping_mul(v[0]));
    v[2] = v[2].wrapping_add(v[0].wrapping_mul(v[1]));
    v
}

fn hash33(p: IVec3) -> Vec3 {
    let h = pcg3d([p.x, p.y, p.z].map(i32::cast_unsigned));
    Vec3::new(h[0] as f32, h[1] as f32, h[2] as f32) * (1.0 / 4_294_967_296.0)
}

fn gradient(cell: IVec3, offset: Vec3) -> f32 {
    (hash33(cell) * 2.0 - 1.0).dot(offset)
}

/// `gradient_noise` of `noise.wgsl`.
#[must_use]
pub fn gradient_noise(p: Vec3) -> f32 {
    let floor = p.floor();
    let cell = floor.as_ivec3();
    let f = p - floor;
    let w = f * f * f * (f * (f * 6.0 - 15.0) + 10.0);
    let corner = |x: i32, y: i32, z: i32| {
        gradient(
            cell + IVec3::new(x, y, z),
            f - Vec3::new(x as f32, y as f32, z as f32),
        )
    };
    let lerp = |a: f32, b: f32, t: f32| a + (b - a) * t;
    let x00 = lerp(corner(0, 0, 0), corner(1, 0, 0), w.x);
    let x10 = lerp(corner(0, 1, 0), corner(1, 1, 0), w.x);
    let x01 = lerp(corner(0, 0, 1), corner(1, 0, 1), w.x);
    let x11 = lerp(corner(0, 1, 1), corner(1, 1, 1), w.x);
    1.6 * lerp(lerp(x00, x10, w.y), lerp(x01, x11, w.y), w.z)
}

fn smoothstep(low: f32, high: f32, x: f32) -> f32 {
    let k = ((x - low) / (high - low)).clamp(0.0, 1.0);
    k * k * (3.0 - 2.0 * k)
}

fn eased(x: f32) -> f32 {
    smoothstep(0.0, 1.0, x)
}

/// A point of the cloak's cloth: `u` across, `v` down.
#[must_use]
pub fn drape(cloak: &CloakUniform, u: f32, v: f32, t: f32) -> Vec3 {
    let hang = v * v;
    let billow =
        0.42 * (u * 3.4 + t * 0.29 + v * 2.1).sin() + 0.14 * (u * 8.3 - t * 0.43 + v * 1.3).sin();
    let sway = 0.22 * (t * 0.17 + v * 1.7).sin() * hang;
    let across = 2.0 * u - 1.0;
    let bow = -0.9 * (1.0 - across * across);
    let gather = 0.7 + 0.3 * smoothstep(0.0, 0.75, v);
    Vec3::new(
        (u - 0.5) * cloak.width * gather + sway,
        (0.5 - v) * cloak.height,
        billow * (0.2 + 0.8 * hang) + bow * (0.3 + 0.7 * v),
    )
}

fn slot_at(d: &GpuThread, t: f32) -> f32 {
    let k = eased((t - d.life.w) / SLOT_GLIDE_SECONDS);
    d.life.z + (d.shape.x - d.life.z) * k
}

fn unravelled(d: &GpuThread, t: f32) -> f32 {
    if d.life.y >= 0.0 {
        ((t - d.life.y) / UNRAVEL_SECONDS).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// How much of a thread is woven in at `t` (0..1), and how much has unravelled.
#[must_use]
pub fn woven_span(d: &GpuThread, t: f32) -> (f32, f32) {
    (eased((t - d.life.x) / WEAVE_IN_SECONDS), unravelled(d, t))
}

/// Crests across the cloak: the thread's own rhythm, pulled toward the collective's as identity
/// fades.
fn crests(cloak: &CloakUniform, d: &GpuThread) -> f32 {
    cloak.collective.w + (d.wave.x - cloak.collective.w) * d.fate.x
}

fn weft_point(cloak: &CloakUniform, d: &GpuThread, entry: u32, u: f32, t: f32) -> Vec3 {
    let spacing = 1.0 / cloak.weft_count.max(1) as f32;
    let slot = slot_at(d, t);
    let wander = gradient_noise(Vec3::new(u * 2.5 + slot * 13.0, slot * 7.0, t * 0.07));
    let loose = unravelled(d, t);
    let identity = d.fate.x;
    let wave = TAU * crests(cloak, d) * u + d.wave.y + t * d.wave.w;
    let v = slot
        + spacing * 0.5 * (d.wave.z * (0.25 + 0.75 * identity) * wave.sin() + 0.8 * wander)
        + loose * 0.08 * (u * 9.0 + t * 2.0).sin();
    let mut p = drape(cloak, u, v, t);
    let parity = (entry % 2) as f32;
    let float_length = 1.0 + (d.shape.z.max(1.0) - 1.0) * identity;
    p.z += 0.025 * (PI * (u * WARP_CROSSINGS / float_length + parity)).sin();
    p.z += 1.5 * loose * loose;
    p
}

fn warp_point(cloak: &CloakUniform, d: &GpuThread, entry: u32, v: f32, t: f32) -> Vec3 {
    let mut p = drape(cloak, d.shape.x, v, t);
    p.z -= 0.012 * (PI * (v * 24.0 + (entry % 2) as f32)).sin();
    p
}

/// A Sanctuary bridge: from one thread's slot to another's, arching toward the viewer.
fn bridge_point(cloak: &CloakUniform, d: &GpuThread, s: f32, t: f32) -> Vec3 {
    let v = d.shape.x + (d.life.z - d.shape.x) * s;
    let mut p = drape(cloak, d.wave.x + 0.01 * (s * TAU + t).sin(), v, t);
    p.z += 0.45 * (PI * s).sin();
    p
}

/// The centre of buffer entry `entry` at `u` along it, at clock time `t`.
#[must_use]
pub fn thread_point(cloak: &CloakUniform, d: &GpuThread, entry: u32, u: f32, t: f32) -> Vec3 {
    if d.accent.w > 1.5 {
        bridge_point(cloak, d, u, t)
    } else if d.accent.w > 0.5 {
        warp_point(cloak, d, entry, u, t)
    } else {
        weft_point(cloak, d, entry, u, t)
    }
}

/// The colour a thread's body is drawn with (linear RGB), for tests that look for it on screen.
#[must_use]
pub fn body_colour(d: &GpuThread) -> Vec3 {
    d.primary.xyz()
}

#[cfg(test)]
mod tests {
    use bevy::math::Vec4;

    use super::*;

    #[test]
    fn noise_is_smooth_bounded_and_zero_on_the_lattice() {
        assert!(gradient_noise(Vec3::new(3.0, -2.0, 7.0)).abs() < 1e-6);
        let mut max = 0.0f32;
        for i in 0..2000 {
            let p = Vec3::new(i as f32 * 0.137, i as f32 * 0.071, i as f32 * 0.013);
            let n = gradient_noise(p);
            let m = gradient_noise(p + Vec3::splat(1e-3));
            assert!((n - m).abs() < 0.02, "jump at {p}");
            max = max.max(n.abs());
        }
        assert!(max > 0.3 && max <= 1.7, "{max}");
    }

    #[test]
    fn the_drape_spans_the_cloak() {
        let cloak = CloakUniform {
            time: 0.0,
            entries: 0,
            warp_count: 0,
            weft_count: 0,
            width: 9.0,
            height: 5.0,
            collective: Vec4::ONE,
        };
        let top = drape(&cloak, 0.5, 0.0, 0.0);
        let hem_left = drape(&cloak, 0.0, 1.0, 0.0);
        let hem_right = drape(&cloak, 1.0, 1.0, 0.0);
        assert!((top.y - 2.5).abs() < 1e-6);
        assert!((hem_right.x - hem_left.x - 9.0).abs() < 0.5);
    }
}
