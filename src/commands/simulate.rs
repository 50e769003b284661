//! `simulate`: the Neuro-Synch Protocol on the narratives without rendering, the diversity
//! measures over time as a table or JSON Lines.

use std::io::Write;

use super::{Failure, Place, open_store};
use crate::{
    cli::SimulateArgs,
    narrative::synthetic::synthetic_narratives,
    protocol::{diversity::measure, policy::CouncilPolicy, sim::Protocol},
};

/// Runs the protocol `args.ticks` ticks and writes a sample every `args.every` ticks to `out`.
pub fn simulate(place: &Place, args: SimulateArgs, out: &mut impl Write) -> Result<(), Failure> {
    let SimulateArgs {
        ticks,
        mode,
        policy,
        seed,
        synthetic,
        every,
        json,
    } = args;
    let mut policy = match &policy {
        Some(path) => CouncilPolicy::load(path)?,
        None => CouncilPolicy::default(),
    };
    if let Some(mode) = mode {
        policy.mode = mode;
    }
    let narratives = match synthetic {
        Some(count) => synthetic_narratives(count as usize, seed),
        None => open_store(place)?.reader()?.displayed()?,
    };
    let mut protocol = Protocol::new(seed);
    protocol.sync(&narratives);
    let every = every.unwrap_or((ticks / 20).max(1));
    if !json {
        writeln!(
            out,
            "# {} narratives, mode {}, seed {seed}",
            narratives.len(),
            policy.mode.as_str(),
        )?;
        writeln!(
            out,
            "{:>8} {:>8} {:>9} {:>9} {:>14} {:>11} {:>14}",
            "tick",
            "visible",
            "dissolved",
            "sanctuary",
            "origin_entropy",
            "hue_entropy",
            "homogenisation"
        )?;
    }
    let mut last = None;
    for tick in 0..=ticks {
        if tick > 0 {
            protocol.tick(&policy);
        }
        if tick % every == 0 || tick == ticks {
            let d = measure(&protocol);
            if json {
                writeln!(out, "{}", serde_json::to_string(&d)?)?;
            } else {
                writeln!(
                    out,
                    "{:>8} {:>8} {:>9} {:>9} {:>14.4} {:>11.4} {:>14.4}",
                    d.tick,
                    d.visible,
                    d.dissolved,
                    d.sanctuary_visible,
                    d.origin_entropy,
                    d.hue_entropy,
                    d.homogenisation
                )?;
            }
            last = Some(d);
        }
    }
    if !json && let Some(last) = last {
        writeln!(out, "# visible share per origin at tick {}:", last.tick)?;
        for share in &last.origin_shares {
            writeln!(
                out,
                "#   {:<32} {:>6.1} %  ({} of {} visible)",
                share.origin,
                share.share * 100.0,
                share.visible,
                share.submitted
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    use crate::protocol::policy::Mode;

    fn args(ticks: u64, mode: Mode) -> SimulateArgs {
        SimulateArgs {
            ticks,
            mode: Some(mode),
            policy: None,
            seed: 1,
            synthetic: Some(400),
            every: Some(ticks),
            json: true,
        }
    }

    fn samples(mode: Mode) -> Vec<Value> {
        let mut out = Vec::new();
        // Synthetic narratives: the store in this folder is never opened.
        simulate(
            &Place::folder(std::path::Path::new("/nonexistent")),
            args(600, mode),
            &mut out,
        )
        .unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn the_protocol_loses_threads_and_colour_while_the_sanctuary_mode_keeps_them() {
        let synch = samples(Mode::NeuroSynch);
        let (first, last) = (&synch[0], &synch[synch.len() - 1]);
        assert_eq!(
            (first["tick"].as_u64(), last["tick"].as_u64()),
            (Some(0), Some(600))
        );
        assert_eq!(first["visible"].as_u64(), Some(400));
        let visible = last["visible"].as_u64().unwrap();
        assert!(visible < 400, "{visible} visible");
        assert!(last["hue_entropy"].as_f64() < first["hue_entropy"].as_f64());
        let sanctuary = samples(Mode::Sanctuary);
        assert_eq!(
            sanctuary[sanctuary.len() - 1]["visible"].as_u64(),
            Some(400)
        );
    }
}
