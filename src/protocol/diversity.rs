//! The diversity meter: what the protocol is doing to the cloak's variety, as numbers.
//!
//! - **origin entropy**: Shannon entropy of the origins of the threads still visible, normalised by
//!   its largest possible value, `ln` of the number of origins woven — 1 when every origin has the
//!   same share, 0 when one origin is all that is left;
//! - **hue entropy**: Shannon entropy of hues, each thread counting with what remains of its own
//!   colour (presence × identity), normalised by the whole cloak at full colour. Losing colour only
//!   ever lowers it, so it can be read as "how much distinct colour is left";
//! - **homogenisation**: 1 − the mean identity of the visible threads: 0 when every thread is
//!   itself, 1 when all are the collective.

use serde::Serialize;

use super::sim::{HUE_BINS, Protocol};

/// The meter's reading at one tick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diversity {
    pub tick: u64,
    pub visible: usize,
    pub dissolved: usize,
    pub sanctuary_visible: usize,
    pub origin_entropy: f32,
    pub hue_entropy: f32,
    pub homogenisation: f32,
    /// Each origin's share of the visible threads, largest first.
    pub origin_shares: Vec<OriginShare>,
}

/// One origin's place on the cloak.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OriginShare {
    /// The origin as its first visitor wrote it.
    pub origin: String,
    /// Its threads still visible.
    pub visible: usize,
    /// Its threads woven in all.
    pub submitted: usize,
    /// Its share of all visible threads, `0..1`.
    pub share: f32,
}

/// `M ln M - Σ m ln m`: the entropy of the masses `m` scaled by their total `M`. It never grows
/// when any mass shrinks (its derivative in each `m` is `ln(M/m) ≥ 0`).
fn scaled_entropy(masses: &[f64]) -> f64 {
    let total: f64 = masses.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    total * total.ln()
        - masses
            .iter()
            .filter(|&&m| m > 0.0)
            .map(|&m| m * m.ln())
            .sum::<f64>()
}

/// Reads the meter.
#[must_use]
pub fn measure(protocol: &Protocol) -> Diversity {
    let strands = protocol.strands();
    let mut hue_mass = [0.0f64; HUE_BINS];
    let mut origin_all: std::collections::HashMap<u64, f64> = std::collections::HashMap::new();
    let mut names: std::collections::HashMap<u64, &str> = std::collections::HashMap::new();
    let mut origin_visible: std::collections::HashMap<u64, f64> = std::collections::HashMap::new();
    let (mut visible, mut sanctuary_visible, mut presence, mut kept) = (0, 0, 0.0f64, 0.0f64);
    for s in strands {
        *origin_all.entry(s.origin).or_default() += 1.0;
        names.entry(s.origin).or_insert(&s.origin_name);
        hue_mass[s.hue_bin] += f64::from(s.presence * s.identity);
        if s.presence > 0.0 {
            visible += 1;
            sanctuary_visible += usize::from(s.sanctuary);
            *origin_visible.entry(s.origin).or_default() += 1.0;
            presence += f64::from(s.presence);
            kept += f64::from(s.presence * s.identity);
        }
    }
    let whole = strands.len() as f64;
    let hue_entropy = if whole > 0.0 {
        scaled_entropy(&hue_mass) / (whole * (HUE_BINS as f64).ln())
    } else {
        0.0
    };
    let seen: Vec<f64> = origin_visible.values().copied().collect();
    let full = (origin_all.len() as f64).ln();
    let seen_total: f64 = seen.iter().sum();
    let now = if seen_total > 0.0 {
        scaled_entropy(&seen) / seen_total
    } else {
        0.0
    };
    let mut origin_shares: Vec<OriginShare> = origin_all
        .iter()
        .map(|(origin, &submitted)| {
            let seen = origin_visible.get(origin).copied().unwrap_or(0.0);
            OriginShare {
                origin: names[origin].to_owned(),
                visible: seen as usize,
                submitted: submitted as usize,
                share: if visible > 0 {
                    (seen / visible as f64) as f32
                } else {
                    0.0
                },
            }
        })
        .collect();
    origin_shares.sort_by(|a, b| {
        b.visible
            .cmp(&a.visible)
            .then_with(|| a.origin.cmp(&b.origin))
    });
    Diversity {
        tick: protocol.tick_count(),
        visible,
        dissolved: strands.len() - visible,
        sanctuary_visible,
        origin_entropy: if full > 0.0 { (now / full) as f32 } else { 0.0 },
        hue_entropy: hue_entropy as f32,
        homogenisation: if presence > 0.0 {
            (1.0 - kept / presence) as f32
        } else {
            0.0
        },
        origin_shares,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::synthetic::synthetic_narratives;

    #[test]
    fn a_fresh_cloak_reads_full_diversity() {
        let mut p = Protocol::new(1);
        p.sync(&synthetic_narratives(500, 1));
        let d = measure(&p);
        assert_eq!((d.visible, d.dissolved), (500, 0));
        assert!(d.origin_entropy > 0.95 && d.origin_entropy <= 1.0, "{d:?}");
        assert!(d.hue_entropy > 0.7 && d.hue_entropy <= 1.0, "{d:?}");
        assert!(d.homogenisation.abs() < 1e-6);
        let shares: f32 = d.origin_shares.iter().map(|s| s.share).sum();
        assert!((shares - 1.0).abs() < 1e-4);
        assert!(
            d.origin_shares
                .windows(2)
                .all(|w| w[0].visible >= w[1].visible)
        );
        assert_eq!(measure(&Protocol::new(1)).visible, 0);
    }

    #[test]
    fn scaled_entropy_never_grows_when_a_mass_shrinks() {
        let masses = [3.0, 1.0, 0.5, 0.0];
        let base = scaled_entropy(&masses);
        for i in 0..3 {
            let mut less = masses;
            less[i] *= 0.5;
            assert!(scaled_entropy(&less) <= base + 1e-12);
        }
    }
}
