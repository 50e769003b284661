//! Where a thread runs, on the CPU: the same functions as `shaders/cloth.wgsl` (and the noise of
//! `shaders/noise.wgsl`), so that a visitor's pointer or a receipt code can find a thread exactly
//! where the GPU drew it, and its words can be fitted to its length. Change both together; the
//! picking render test checks they agree.

use std::f32::consts::{PI, TAU};

use bevy::math::{IVec3, Vec3};

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

/// A point of the cloak's cloth and how the cloth faces there (`Cloth` in `cloth.wgsl`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cloth {
    pub point: Vec3,
    /// Out of the cloth, away from the wearer.
    pub normal: Vec3,
    /// How deep in a fold's valley the point lies, `0..=1`.
    pub cavity: f32,
}

/// The folds across the cloth at `(u, v)`: their offset (`-1..1`) and its slope along `u`.
fn fold_wave(cloak: &CloakUniform, u: f32, v: f32, t: f32) -> (f32, f32) {
    let bend = 0.9 * (TAU * 1.3 * u + 0.7).sin();
    let a = TAU * cloak.folds * u + bend + v * 1.1 + 0.35 * (t * 0.21 + v * 2.0).sin();
    let b = 2.1 * TAU * cloak.folds * u + 1.7 + v * 2.3 - t * 0.13;
    let da = TAU * cloak.folds + 0.9 * TAU * 1.3 * (TAU * 1.3 * u + 0.7).cos();
    let db = 2.1 * TAU * cloak.folds;
    let f = 0.7 * a.sin() + 0.3 * b.sin();
    let df = 0.7 * a.cos() * da + 0.3 * b.cos() * db;
    let m = 0.65 + 0.35 * (TAU * 1.7 * u + 0.4).sin();
    let dm = 0.35 * TAU * 1.7 * (TAU * 1.7 * u + 0.4).cos();
    (m * f, dm * f + m * df)
}

/// Half the cloak's width at `v`, as a fraction of its width at the hem: a hood over the head,
/// narrowing at the neck, spreading over the shoulders, flaring to the hem.
fn outline(v: f32) -> f32 {
    let k = (v / 0.11).clamp(0.0, 1.0);
    let hood = 0.19 * (k * (2.0 - k)).sqrt();
    hood - 0.04 * smoothstep(0.11, 0.2, v)
        + 0.38 * smoothstep(0.19, 0.3, v)
        + 0.47 * smoothstep(0.25, 1.0, v)
}

/// The cloth at `u` across and `v` down: a hooded cloak hung from the shoulders, wrapped round
/// the wearer, folded and breathing.
#[must_use]
pub fn cloth(cloak: &CloakUniform, u: f32, v: f32, t: f32) -> Cloth {
    let v = v.max(0.002);
    let across = 2.0 * u - 1.0;
    let half_width = 0.5 * cloak.width * outline(v);
    let body =
        cloak.drape * 1.6 + (cloak.drape * 0.9 - cloak.drape * 1.6) * smoothstep(0.3, 1.0, v);
    let half_angle = (1.35 + (body - 1.35) * smoothstep(0.12, 0.3, v)).max(0.001);
    let radius = half_width / half_angle.sin();
    let theta = across * half_angle;
    let depth = cloak.fold_depth * smoothstep(0.22, 0.6, v) * (0.45 + 0.55 * v);
    let (fold, slope) = fold_wave(cloak, u, v, t);
    let r = radius + depth * fold;
    let radial = Vec3::new(theta.sin(), 0.0, theta.cos());
    let mut p = Vec3::new(
        r * theta.sin(),
        (0.5 - v) * cloak.height,
        r * theta.cos() - radius,
    );
    let hang = v * v;
    p.x += 0.22 * (t * 0.17 + v * 1.7).sin() * hang;
    p.z += 0.2 * (u * 3.4 + t * 0.29 + v * 2.1).sin() * hang;
    let tangential = Vec3::new(theta.cos(), 0.0, -theta.sin());
    let normal =
        (radial - tangential * depth * slope / (2.0 * half_angle * radius).max(1e-4)).normalize();
    let cavity = (-fold).clamp(0.0, 1.0) * (depth / 0.3).clamp(0.0, 1.0);
    Cloth {
        point: p,
        normal,
        cavity,
    }
}

fn glide(d: &GpuThread, t: f32) -> f32 {
    eased((t - d.life.w) / SLOT_GLIDE_SECONDS)
}

fn slot_at(d: &GpuThread, t: f32) -> f32 {
    d.life.z + (d.shape.x - d.life.z) * glide(d, t)
}

/// The part of its row a thread lies across at `t`: start and length.
fn span_at(d: &GpuThread, t: f32) -> (f32, f32) {
    let k = glide(d, t);
    (
        d.span.z + (d.span.x - d.span.z) * k,
        d.span.w + (d.span.y - d.span.w) * k,
    )
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
    let spacing = 1.0 / cloak.rows.max(1.0);
    let slot = slot_at(d, t);
    let (start, length) = span_at(d, t);
    let x = start + u * length;
    let wander = gradient_noise(Vec3::new(x * 2.5 + slot * 13.0, slot * 7.0, t * 0.07));
    let loose = unravelled(d, t);
    let identity = d.fate.x;
    let calm = 1.0 - 0.65 * cloak.density;
    let wave = TAU * crests(cloak, d) * x + d.wave.y + t * d.wave.w;
    let v = slot
        + spacing * 0.5 * calm * (d.wave.z * (0.25 + 0.75 * identity) * wave.sin() + 0.8 * wander)
        + loose * 0.08 * (u * 9.0 + t * 2.0).sin();
    let c = cloth(cloak, x, v, t);
    let parity = (entry % 2) as f32;
    let float_length = 1.0 + (d.shape.z.max(1.0) - 1.0) * identity;
    let lift =
        0.025 * (PI * (x * WARP_CROSSINGS / float_length + parity)).sin() + 1.5 * loose * loose;
    c.point + c.normal * lift
}

fn warp_point(cloak: &CloakUniform, d: &GpuThread, entry: u32, v: f32, t: f32) -> Vec3 {
    let c = cloth(cloak, d.shape.x, v, t);
    let lift = -0.012 * (PI * (v * 24.0 + (entry % 2) as f32)).sin();
    c.point + c.normal * lift
}

/// A Sanctuary bridge: from where it leaves one thread to where it meets another, arching out of
/// the cloth.
fn bridge_point(cloak: &CloakUniform, d: &GpuThread, s: f32, t: f32) -> Vec3 {
    let u = d.span.x + (d.span.y - d.span.x) * s + 0.01 * (s * TAU + t).sin();
    let v = d.shape.x + (d.life.z - d.shape.x) * s;
    let c = cloth(cloak, u, v, t);
    c.point + c.normal * 0.45 * (PI * s).sin()
}

/// The centre of buffer entry `entry` at `u` along it (`0..1` of its own length), at clock
/// time `t`.
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

#[cfg(test)]
mod tests {
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

    fn cloak(drape: f32, fold_depth: f32) -> CloakUniform {
        let shape = crate::weave::CloakShape {
            width: 9.0,
            height: 5.0,
            drape,
            fold_depth,
            ..Default::default()
        };
        crate::weave::cloak_uniform(&crate::weave::Loom::default(), &shape, 0.0).0
    }

    #[test]
    fn the_cloak_has_a_hood_shoulders_and_a_full_hem() {
        let flat = cloak(0.0, 0.0);
        let width_at =
            |v: f32| cloth(&flat, 1.0, v, 0.0).point.x - cloth(&flat, 0.0, v, 0.0).point.x;
        let top = cloth(&flat, 0.5, 0.0, 0.0).point;
        assert!((top.y - 2.5).abs() < 0.02, "{top}");
        // The hood: narrow at its top, a head's width, narrowing at the neck.
        assert!(width_at(0.01) < 1.0, "{}", width_at(0.01));
        let hood = width_at(0.11);
        assert!((1.4..2.0).contains(&hood), "{hood}");
        assert!(width_at(0.18) < hood);
        // The shoulders, then the flare to the full hem.
        let shoulders = width_at(0.3);
        assert!(
            shoulders > 2.5 * hood && shoulders < 0.6 * 9.0,
            "{shoulders}"
        );
        assert!((width_at(1.0) - 9.0).abs() < 0.5, "{}", width_at(1.0));
        assert!((0..10).all(|i| width_at(0.3 + 0.07 * i as f32) <= width_at(0.37 + 0.07 * i as f32) + 1e-4));
        // Hung flat, it lies in one plane but for the breathing hem; draped, its sides wrap back.
        let draped = cloak(0.8, 0.0);
        let middle = cloth(&draped, 0.5, 0.5, 0.0).point;
        let side = cloth(&draped, 0.05, 0.5, 0.0).point;
        assert!(side.z < middle.z - 1.0, "{side} {middle}");
        assert!(
            (cloth(&flat, 0.05, 0.3, 0.0).point.z - cloth(&flat, 0.5, 0.3, 0.0).point.z).abs()
                < 0.1
        );
    }

    /// Waves swing the top row past the hood's top (v < 0) and the warp starts at v = 0: the
    /// cloth must still give a point and a normal there, never NaN (a NaN point vanishes on the
    /// GPU and would send the camera's flight to nowhere).
    #[test]
    fn the_cloth_is_finite_above_its_top_and_below_its_hem() {
        for drape in [0.0, 0.55, 1.0] {
            let c = cloak(drape, 0.4);
            for i in 0..=40 {
                let v = -0.1 + 1.3 * i as f32 / 40.0;
                for u in [0.0, 0.3, 0.5, 1.0] {
                    let cloth = cloth(&c, u, v, 7.0);
                    assert!(
                        cloth.point.is_finite() && cloth.normal.is_finite(),
                        "drape {drape}, u {u}, v {v}: {cloth:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn folds_ridge_the_cloth_and_tilt_its_normal() {
        let folded = cloak(0.5, 0.4);
        let plain = cloak(0.5, 0.0);
        let mut tilt = 0.0f32;
        let mut depth = 0.0f32;
        for i in 0..200 {
            let u = i as f32 / 200.0;
            let (a, b) = (cloth(&folded, u, 0.9, 3.0), cloth(&plain, u, 0.9, 3.0));
            depth = depth.max(a.point.distance(b.point));
            tilt = tilt.max(a.normal.angle_between(b.normal));
            assert!((a.normal.length() - 1.0).abs() < 1e-4);
            assert!((0.0..=1.0).contains(&a.cavity));
        }
        assert!(depth > 0.25 && depth < 0.45, "fold depth {depth}");
        assert!(tilt > 0.3, "the folds turn the cloth: {tilt} rad");
        // The normal is the surface's: at right angles to the cloth across it.
        let e = 1e-3;
        for u in [0.2, 0.5, 0.77] {
            let c = cloth(&folded, u, 0.7, 1.0);
            let across =
                cloth(&folded, u + e, 0.7, 1.0).point - cloth(&folded, u - e, 0.7, 1.0).point;
            let along_normal = across.normalize().dot(c.normal).abs();
            assert!(along_normal < 0.15, "u {u}: {along_normal}");
        }
    }
}
