//! Which thread is under a point of the screen: the thread a visitor hovers or taps, read on the
//! CPU from the same paths the shader draws (`path.rs`).

use bevy::math::{Vec2, Vec3};

use super::{
    gpu::{CloakUniform, GpuThread, SEGMENTS_PER_THREAD},
    path::{thread_point, woven_span},
};

/// A thread found under the pointer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    /// Buffer entry of the thread.
    pub entry: usize,
    /// Distance from the pointer to the thread's centre line, pixels.
    pub distance: f32,
}

/// The weft thread (a narrative's thread, not the warp) whose drawn centre line passes closest to
/// `cursor`, if one passes within `radius` pixels. `project` maps a world point to viewport
/// pixels, `None` when it is behind the camera.
pub fn pick_thread(
    cloak: &CloakUniform,
    entries: &[GpuThread],
    cursor: Vec2,
    radius: f32,
    project: impl Fn(Vec3) -> Option<Vec2>,
) -> Option<Pick> {
    let t = cloak.time;
    let mut best: Option<Pick> = None;
    for (entry, thread) in entries
        .iter()
        .enumerate()
        .take(cloak.entries as usize)
        .skip(cloak.warp_count as usize)
    {
        let (woven, gone) = woven_span(thread, t);
        // Half-dissolved threads are fraying away: nothing to read.
        if woven <= gone || thread.fate.y < 0.5 || thread.accent.w > 0.5 {
            continue;
        }
        let index = u32::try_from(entry).unwrap_or(u32::MAX);
        let mut previous: Option<Vec2> = None;
        for step in 0..=SEGMENTS_PER_THREAD {
            let u = step as f32 / SEGMENTS_PER_THREAD as f32;
            if u < gone || u > woven {
                previous = None;
                continue;
            }
            let Some(point) = project(thread_point(cloak, thread, index, u, t)) else {
                previous = None;
                continue;
            };
            if let Some(start) = previous {
                let distance = distance_to_segment(cursor, start, point);
                if distance <= radius && best.is_none_or(|b| distance < b.distance) {
                    best = Some(Pick { entry, distance });
                }
            }
            previous = Some(point);
        }
    }
    best
}

fn distance_to_segment(p: Vec2, a: Vec2, b: Vec2) -> f32 {
    let ab = b - a;
    let k = if ab.length_squared() > 0.0 {
        ((p - a).dot(ab) / ab.length_squared()).clamp(0.0, 1.0)
    } else {
        0.0
    };
    p.distance(a + ab * k)
}

#[cfg(test)]
mod tests {
    use bevy::math::Vec4;

    use super::*;
    use crate::weave::{CloakShape, Loom};

    fn cloak(entries: u32) -> CloakUniform {
        CloakUniform {
            entries,
            warp_count: 1,
            weft_count: entries - 1,
            rows: (entries - 1) as f32,
            ..crate::weave::cloak_uniform(&Loom::default(), &CloakShape::default(), 3.0).0
        }
    }

    fn weft(slot: f32) -> GpuThread {
        GpuThread {
            primary: Vec4::ONE,
            accent: Vec4::ZERO,
            wave: Vec4::new(2.0, 0.0, 1.0, 0.5),
            shape: Vec4::new(slot, 0.03, 1.0, 0.0),
            life: Vec4::new(-100.0, -1.0, slot, -100.0),
            fate: Vec4::new(1.0, 1.0, 0.0, 0.0),
            span: Vec4::new(0.0, 1.0, 0.0, 1.0),
        }
    }

    /// An orthographic view straight at the cloak: 100 pixels per world unit.
    #[expect(
        clippy::unnecessary_wraps,
        reason = "the signature pick_thread takes for projections"
    )]
    fn project(p: Vec3) -> Option<Vec2> {
        Some(Vec2::new(500.0 + p.x * 100.0, 300.0 - p.y * 100.0))
    }

    #[test]
    fn the_thread_under_the_pointer_is_found() {
        let mut warp = weft(0.5);
        warp.accent.w = 1.0;
        let entries = vec![warp, weft(0.2), weft(0.5), weft(0.8)];
        let cloak = cloak(4);
        for (entry, thread) in entries.iter().enumerate().skip(1) {
            for u in [0.1, 0.5, 0.9] {
                let on_thread =
                    project(thread_point(&cloak, thread, entry as u32, u, 3.0)).unwrap();
                let pick = pick_thread(&cloak, &entries, on_thread, 6.0, project).unwrap();
                assert_eq!(pick.entry, entry, "u = {u}");
                assert!(pick.distance < 1.0);
            }
        }
        assert_eq!(
            pick_thread(&cloak, &entries, Vec2::new(-500.0, -500.0), 6.0, project),
            None
        );
    }

    #[test]
    fn threads_not_yet_woven_cannot_be_picked() {
        let mut fresh = weft(0.5);
        fresh.life.x = 2.9; // began weaving 0.1 s before the cloak's time of 3.0
        let entries = vec![weft(0.1), fresh];
        let cloak = cloak(2);
        let far_end = project(thread_point(&cloak, &entries[1], 1, 0.9, 3.0)).unwrap();
        assert_eq!(pick_thread(&cloak, &entries, far_end, 3.0, project), None);
    }
}
