//! The piece's OSC address space: every address it answers, what each expects, and how an
//! incoming address pattern (OSC 1.0: `*`, `?`, `[]`, `{}`) selects among them. Pure: no socket,
//! no world. An incoming message becomes [`Cue`]s here, or is refused with what was expected.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rosc::{
    OscType,
    address::{Matcher, OscAddress},
};

use crate::{narrative::receipt::Receipt, protocol::policy::Mode};

/// A field of the council's policy that a cue may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouncilField {
    Mode,
    SynchStrength,
    Balance,
    OriginFloor,
    DissolveBelow,
    DissolveRate,
    FinalPoint,
    RecoveryRate,
}

/// An address the piece answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    ShowGo,
    ShowStop,
    ShowSegment,
    Council(CouncilField),
    Preset,
    CameraView,
    CameraThread,
    ThreadVoice,
}

/// What a trigger (go, stop) takes: nothing, or a button's number (0 is its release).
const TRIGGER: &str = "no argument, or one number (0, a button's release, is ignored)";
/// What a council number takes.
const NUMBER: &str = "one number (int or float)";

/// Every address the piece answers, with the method behind it and what it expects.
pub const ADDRESS_SPACE: &[(&str, Method, &str)] = &[
    ("/dreamloom/show/go", Method::ShowGo, TRIGGER),
    ("/dreamloom/show/stop", Method::ShowStop, TRIGGER),
    (
        "/dreamloom/show/segment",
        Method::ShowSegment,
        "one phase name (string) or phase number counting from 0 (int)",
    ),
    (
        "/dreamloom/council/mode",
        Method::Council(CouncilField::Mode),
        "one string: off, neuro_synch (or neuro-synch), sanctuary or balanced",
    ),
    (
        "/dreamloom/council/synch_strength",
        Method::Council(CouncilField::SynchStrength),
        NUMBER,
    ),
    (
        "/dreamloom/council/balance",
        Method::Council(CouncilField::Balance),
        NUMBER,
    ),
    (
        "/dreamloom/council/origin_floor",
        Method::Council(CouncilField::OriginFloor),
        NUMBER,
    ),
    (
        "/dreamloom/council/dissolve_below",
        Method::Council(CouncilField::DissolveBelow),
        NUMBER,
    ),
    (
        "/dreamloom/council/dissolve_rate",
        Method::Council(CouncilField::DissolveRate),
        NUMBER,
    ),
    (
        "/dreamloom/council/final_point",
        Method::Council(CouncilField::FinalPoint),
        NUMBER,
    ),
    (
        "/dreamloom/council/recovery_rate",
        Method::Council(CouncilField::RecoveryRate),
        NUMBER,
    ),
    (
        "/dreamloom/preset",
        Method::Preset,
        "one string: a shipped preset (calm-opening, confluence, sanctuary, exhibition)",
    ),
    (
        "/dreamloom/camera/view",
        Method::CameraView,
        "one string: home, below, above or close",
    ),
    (
        "/dreamloom/camera/thread",
        Method::CameraThread,
        "one string: a receipt code",
    ),
    (
        "/dreamloom/thread/voice",
        Method::ThreadVoice,
        "one string: a receipt code",
    ),
];

/// A phase of the show, by name or by number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Compared without case, spaces, dashes or underscores.
    Named(String),
    /// Counting from 0.
    Index(usize),
}

/// A named camera view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The rig's default: target, distance and pitch.
    Home,
    /// From below, the cloak's dark underside (pitch -0.35).
    Below,
    /// From above (pitch 0.5).
    Above,
    /// Close to the cloak (distance 4.5), the pitch kept.
    Close,
}

impl View {
    fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "home" => Some(View::Home),
            "below" => Some(View::Below),
            "above" => Some(View::Above),
            "close" => Some(View::Close),
            _ => None,
        }
    }
}

/// A value for a council field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CouncilValue {
    Mode(Mode),
    Number(f32),
}

/// What one address of a message asks the piece to do, its arguments checked for type (values
/// that depend on the piece's state — ranges, phase names, presets — are checked when applied).
#[derive(Debug, Clone, PartialEq)]
pub enum Cue {
    /// Nothing: a button's release (a trigger sent 0).
    Nothing,
    ShowGo,
    ShowStop,
    Segment(Segment),
    Council(CouncilField, CouncilValue),
    Preset(String),
    View(View),
    /// Find a thread by its receipt code; `voice`: the thread's voice was asked for (for now,
    /// the same: the camera flies to it and it is highlighted).
    Thread {
        receipt: Receipt,
        voice: bool,
    },
}

/// Whether `address` is a pattern (holds `*`, `?`, `[`, `]`, `{` or `}`).
#[must_use]
pub fn is_pattern(address: &str) -> bool {
    address.contains(['*', '?', '[', ']', '{', '}'])
}

/// The addresses of the piece that `address` (a plain address or an OSC 1.0 pattern) selects,
/// in the order of [`ADDRESS_SPACE`]; empty if none (or the pattern is malformed).
#[must_use]
pub fn methods_for(address: &str) -> Vec<(&'static str, Method)> {
    if !is_pattern(address) {
        return ADDRESS_SPACE
            .iter()
            .filter(|(path, ..)| *path == address)
            .map(|(path, method, _)| (*path, *method))
            .collect();
    }
    // rosc's matcher asserts on states its parser is meant to rule out: a pattern from the
    // network must not take the piece down should one slip through.
    catch_unwind(AssertUnwindSafe(|| {
        let Ok(matcher) = Matcher::new(address) else {
            return Vec::new();
        };
        ADDRESS_SPACE
            .iter()
            .filter(|(path, ..)| {
                OscAddress::new((*path).to_owned()).is_ok_and(|a| matcher.match_address(&a))
            })
            .map(|(path, method, _)| (*path, *method))
            .collect()
    }))
    .unwrap_or_default()
}

/// What `path` expects, in words for the log.
#[must_use]
pub fn expected(path: &str) -> &'static str {
    ADDRESS_SPACE
        .iter()
        .find(|(p, ..)| *p == path)
        .map_or("nothing (not an address of the piece)", |(_, _, what)| {
            *what
        })
}

/// A number, whether sent as int, float, long or double.
fn number(arg: &OscType) -> Option<f32> {
    match arg {
        OscType::Int(i) => Some(*i as f32),
        OscType::Float(f) => Some(*f),
        OscType::Long(l) => Some(*l as f32),
        OscType::Double(d) => Some(*d as f32),
        _ => None,
    }
}

/// A string argument.
fn text(arg: &OscType) -> Option<&str> {
    match arg {
        OscType::String(s) => Some(s),
        _ => None,
    }
}

/// A trigger: no argument, a number (0 is a release: nothing), or a bool.
fn trigger(args: &[OscType], cue: Cue) -> Option<Cue> {
    match args {
        [] => Some(cue),
        [OscType::Bool(pressed)] => Some(if *pressed { cue } else { Cue::Nothing }),
        [arg] => number(arg).map(|v| if v == 0.0 { Cue::Nothing } else { cue }),
        _ => None,
    }
}

/// The cue `method` makes of `args`; `Err` says why not (the expected arguments, or a receipt
/// code that is not one).
pub fn parse(path: &str, method: Method, args: &[OscType]) -> Result<Cue, String> {
    let wrong = || {
        format!(
            "{path} expects {}; it got {}",
            expected(path),
            describe(args)
        )
    };
    let one = match args {
        [arg] => Some(arg),
        _ => None,
    };
    match method {
        Method::ShowGo => trigger(args, Cue::ShowGo).ok_or_else(wrong),
        Method::ShowStop => trigger(args, Cue::ShowStop).ok_or_else(wrong),
        Method::ShowSegment => match one {
            Some(OscType::String(name)) => Ok(Cue::Segment(Segment::Named(name.clone()))),
            Some(arg) => number(arg)
                .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0)
                .map(|n| Cue::Segment(Segment::Index(n as usize)))
                .ok_or_else(wrong),
            None => Err(wrong()),
        },
        Method::Council(CouncilField::Mode) => {
            let name = one.and_then(text).ok_or_else(wrong)?;
            let mode: Mode = name
                .trim()
                .to_ascii_lowercase()
                .parse()
                .map_err(|error| format!("{path}: {error}"))?;
            Ok(Cue::Council(CouncilField::Mode, CouncilValue::Mode(mode)))
        }
        Method::Council(field) => one
            .and_then(number)
            .map(|n| Cue::Council(field, CouncilValue::Number(n)))
            .ok_or_else(wrong),
        Method::Preset => one
            .and_then(text)
            .map(|name| Cue::Preset(name.trim().to_owned()))
            .ok_or_else(wrong),
        Method::CameraView => {
            let name = one.and_then(text).ok_or_else(wrong)?;
            View::parse(name).map(Cue::View).ok_or_else(|| {
                format!("{path}: '{name}' is not a view; use home, below, above or close")
            })
        }
        Method::CameraThread | Method::ThreadVoice => {
            let code = one.and_then(text).ok_or_else(wrong)?;
            let receipt: Receipt = code
                .parse()
                .map_err(|error| format!("{path}: '{code}' is not a receipt code ({error})"))?;
            Ok(Cue::Thread {
                receipt,
                voice: method == Method::ThreadVoice,
            })
        }
    }
}

/// The arguments' OSC type tags, for the log: `,fs`, or "no arguments".
fn describe(args: &[OscType]) -> String {
    if args.is_empty() {
        return "no arguments".to_owned();
    }
    let tags: String = args
        .iter()
        .map(|arg| match arg {
            OscType::Int(_) => 'i',
            OscType::Float(_) => 'f',
            OscType::String(_) => 's',
            OscType::Blob(_) => 'b',
            OscType::Time(_) => 't',
            OscType::Long(_) => 'h',
            OscType::Double(_) => 'd',
            OscType::Char(_) => 'c',
            OscType::Color(_) => 'r',
            OscType::Midi(_) => 'm',
            OscType::Bool(true) => 'T',
            OscType::Bool(false) => 'F',
            OscType::Array(_) => '[',
            OscType::Nil => 'N',
            OscType::Inf => 'I',
        })
        .collect();
    format!("arguments ,{tags}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(address: &str) -> Vec<&'static str> {
        methods_for(address).into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn plain_addresses_match_only_themselves() {
        assert_eq!(paths("/dreamloom/show/go"), vec!["/dreamloom/show/go"]);
        assert!(paths("/dreamloom/show").is_empty());
        assert!(paths("/dreamloom/show/go/").is_empty());
        assert!(paths("/elsewhere").is_empty());
    }

    #[test]
    fn patterns_select_among_the_address_space() {
        assert_eq!(
            paths("/dreamloom/council/{synch_strength,balance}"),
            vec![
                "/dreamloom/council/synch_strength",
                "/dreamloom/council/balance"
            ]
        );
        assert_eq!(
            paths("/dreamloom/show/s*"),
            vec!["/dreamloom/show/stop", "/dreamloom/show/segment"]
        );
        assert_eq!(paths("/dreamloom/show/g?"), vec!["/dreamloom/show/go"]);
        assert_eq!(
            paths("/dreamloom/council/[bf]*"),
            vec![
                "/dreamloom/council/balance",
                "/dreamloom/council/final_point"
            ]
        );
        assert_eq!(paths("/dreamloom/*/view"), vec!["/dreamloom/camera/view"]);
        // A wildcard stays within its part of the address.
        assert!(paths("/dreamloom/*").contains(&"/dreamloom/preset"));
        assert_eq!(paths("/dreamloom/*").len(), 1);
        // Malformed patterns select nothing, and do not panic.
        assert!(paths("/dreamloom/show/{go").is_empty());
        assert!(paths("*").is_empty());
    }

    #[test]
    fn arguments_are_taken_as_people_send_them() {
        let balance = Method::Council(CouncilField::Balance);
        let path = "/dreamloom/council/balance";
        assert_eq!(
            parse(path, balance, &[OscType::Int(1)]),
            Ok(Cue::Council(
                CouncilField::Balance,
                CouncilValue::Number(1.0)
            ))
        );
        assert_eq!(
            parse(path, balance, &[OscType::Double(0.5)]),
            Ok(Cue::Council(
                CouncilField::Balance,
                CouncilValue::Number(0.5)
            ))
        );
        let error = parse(path, balance, &[OscType::String("x".into())]).unwrap_err();
        assert!(
            error.contains("one number") && error.contains(",s"),
            "{error}"
        );
        assert!(parse(path, balance, &[]).is_err());

        let mode = Method::Council(CouncilField::Mode);
        let path = "/dreamloom/council/mode";
        for name in ["neuro_synch", "neuro-synch", "Neuro-Synch"] {
            assert_eq!(
                parse(path, mode, &[OscType::String(name.into())]),
                Ok(Cue::Council(
                    CouncilField::Mode,
                    CouncilValue::Mode(Mode::NeuroSynch)
                ))
            );
        }
        assert!(parse(path, mode, &[OscType::String("sideways".into())]).is_err());
        assert!(parse(path, mode, &[OscType::Int(1)]).is_err());

        let go = "/dreamloom/show/go";
        assert_eq!(parse(go, Method::ShowGo, &[]), Ok(Cue::ShowGo));
        assert_eq!(
            parse(go, Method::ShowGo, &[OscType::Float(1.0)]),
            Ok(Cue::ShowGo)
        );
        assert_eq!(
            parse(go, Method::ShowGo, &[OscType::Int(0)]),
            Ok(Cue::Nothing)
        );

        let segment = "/dreamloom/show/segment";
        assert_eq!(
            parse(segment, Method::ShowSegment, &[OscType::Float(2.0)]),
            Ok(Cue::Segment(Segment::Index(2)))
        );
        assert!(parse(segment, Method::ShowSegment, &[OscType::Float(2.5)]).is_err());
        assert!(parse(segment, Method::ShowSegment, &[OscType::Int(-1)]).is_err());

        let thread = "/dreamloom/camera/thread";
        assert!(
            parse(
                thread,
                Method::CameraThread,
                &[OscType::String("nope".into())]
            )
            .is_err()
        );
        assert!(
            parse(
                "/dreamloom/camera/view",
                Method::CameraView,
                &[OscType::String("Below".into())]
            ) == Ok(Cue::View(View::Below))
        );
    }
}
