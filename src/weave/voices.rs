//! Which threads speak — show their words along them — and why: plain data, no Bevy systems.
//!
//! The layers above say who speaks: the viewer and the kiosk a thread under the pointer or
//! finger ([`Voice::Read`]), the show a few threads at moments of its timeline ([`Voice::Show`]);
//! the weave itself lets the found thread speak ([`Voice::Found`]). The words on the cloak
//! (`words`) follow this list.

use bevy::prelude::Resource;

use crate::narrative::NarrativeId;

/// Most threads that speak at once: their words are one draw call, and more would crowd the cloak
/// past reading.
pub const MAX_VOICES: usize = 64;

/// Why a thread speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Voice {
    /// A visitor is reading it: the pointer rests on it, or a finger tapped it.
    Read,
    /// A visitor asked for it by its code (the found thread).
    Found,
    /// A visitor's own thread, just woven in after they shared their dream.
    Own,
    /// The show's timeline gave it a voice for a while.
    Show,
}

impl Voice {
    /// Which voice keeps its place when too many threads speak: a visitor's own thread first, then
    /// a found one, then one being read; the show's voices give way to all of them.
    #[must_use]
    pub fn rank(self) -> u8 {
        match self {
            Self::Show => 0,
            Self::Read => 1,
            Self::Found => 2,
            Self::Own => 3,
        }
    }

    /// How bright its words are, relative to a thread the show or a reader lets speak: a
    /// visitor's own or found thread speaks a little louder.
    #[must_use]
    pub fn emphasis(self) -> f32 {
        match self {
            Self::Show | Self::Read => 1.0,
            Self::Found | Self::Own => 1.25,
        }
    }
}

/// The threads that speak now, each with why. One thread may speak for several reasons at once
/// (read by a visitor while the show gives it a voice); each pair is listed once, and never more
/// than [`MAX_VOICES`] pairs.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Voices {
    pub speaking: Vec<(NarrativeId, Voice)>,
    /// For the show's voices, which keep a timetable: when each began to speak and when its
    /// words begin to fade (dream-clock seconds, the latter ahead of time). The words fade by
    /// these rather than by when a renderer first heard of them, so a still, a sequence and a
    /// running show put the same words on the cloak at the same moment.
    pub timetable: std::collections::HashMap<NarrativeId, (f32, f32)>,
}

impl Voices {
    /// Lets `id` speak as `voice`. When [`MAX_VOICES`] already speak, it takes the place of the
    /// latest of the lowest-ranked voices below its own, or stays silent. Returns whether it
    /// speaks.
    pub fn speak(&mut self, id: NarrativeId, voice: Voice) -> bool {
        if self.speaking.contains(&(id, voice)) {
            return true;
        }
        if self.speaking.len() >= MAX_VOICES {
            let weakest = self
                .speaking
                .iter()
                .enumerate()
                .filter(|(_, (_, v))| v.rank() < voice.rank())
                .min_by_key(|(i, (_, v))| (v.rank(), usize::MAX - i))
                .map(|(i, _)| i);
            let Some(weakest) = weakest else {
                return false;
            };
            self.speaking.remove(weakest);
        }
        self.speaking.push((id, voice));
        true
    }

    /// Silences every thread that speaks as `voice` (they may still speak for other reasons).
    pub fn silence(&mut self, voice: Voice) {
        self.speaking.retain(|(_, v)| *v != voice);
    }

    /// The threads that speak as `voice` become `ids` (as many as there is room for), the others
    /// keep their voices. Returns whether anything changed; nothing is touched when nothing did,
    /// so that a caller can keep Bevy's change detection quiet (through
    /// `Mut::bypass_change_detection`).
    pub fn set(&mut self, voice: Voice, ids: impl IntoIterator<Item = NarrativeId>) -> bool {
        let before = self.speaking.clone();
        self.silence(voice);
        for id in ids {
            self.speak(id, voice);
        }
        let mut was = before.clone();
        let mut now = self.speaking.clone();
        was.sort_by_key(|&(id, v)| (id, v.rank()));
        now.sort_by_key(|&(id, v)| (id, v.rank()));
        if was == now {
            // The same voices, perhaps listed in another order: keep the old order.
            self.speaking = before;
            false
        } else {
            true
        }
    }

    /// Each speaking thread once, with its strongest voice, in the order they began to speak.
    #[must_use]
    pub fn speakers(&self) -> Vec<(NarrativeId, Voice)> {
        let mut speakers: Vec<(NarrativeId, Voice)> = Vec::with_capacity(self.speaking.len());
        for &(id, voice) in &self.speaking {
            match speakers.iter_mut().find(|(other, _)| *other == id) {
                Some((_, strongest)) => {
                    if voice.rank() > strongest.rank() {
                        *strongest = voice;
                    }
                }
                None => speakers.push((id, voice)),
            }
        }
        speakers
    }

    /// Whether `id` speaks, for any reason.
    #[must_use]
    pub fn speaks(&self, id: NarrativeId) -> bool {
        self.speaking.iter().any(|(other, _)| *other == id)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.speaking.is_empty()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.speaking.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(range: std::ops::Range<u64>) -> impl Iterator<Item = NarrativeId> {
        range.map(NarrativeId)
    }

    #[test]
    fn no_more_than_sixty_four_threads_speak() {
        let mut voices = Voices::default();
        let spoke = ids(0..100)
            .filter(|&id| voices.speak(id, Voice::Show))
            .count();
        assert_eq!(spoke, MAX_VOICES);
        assert_eq!(voices.len(), MAX_VOICES);
        // Asking again changes nothing.
        assert!(!voices.speak(NarrativeId(99), Voice::Show));
        assert!(voices.speak(NarrativeId(3), Voice::Show));
        assert_eq!(voices.len(), MAX_VOICES);
        assert!(
            !voices.set(Voice::Show, ids(0..200)),
            "the same 64 still speak"
        );
        assert_eq!(voices.len(), MAX_VOICES);
    }

    #[test]
    fn a_visitor_s_thread_speaks_even_when_the_show_fills_every_voice() {
        let mut voices = Voices::default();
        assert!(voices.set(Voice::Show, ids(0..64)));
        assert!(voices.speak(NarrativeId(500), Voice::Found));
        assert!(voices.speak(NarrativeId(501), Voice::Read));
        assert_eq!(voices.len(), MAX_VOICES);
        assert!(voices.speaks(NarrativeId(500)) && voices.speaks(NarrativeId(501)));
        // The show's latest voices gave way.
        assert!(!voices.speaks(NarrativeId(63)) && !voices.speaks(NarrativeId(62)));
        assert!(voices.speaks(NarrativeId(0)));
        // A reader cannot push a found thread out.
        let mut full = Voices::default();
        full.set(Voice::Found, ids(0..64));
        assert!(!full.speak(NarrativeId(900), Voice::Read));
        assert!(full.speak(NarrativeId(901), Voice::Own));
    }

    #[test]
    fn setting_one_voice_leaves_the_others_and_reports_changes() {
        let mut voices = Voices::default();
        assert!(voices.set(Voice::Show, ids(0..3)));
        assert!(voices.set(Voice::Found, Some(NarrativeId(1))));
        assert!(!voices.set(Voice::Found, Some(NarrativeId(1))));
        assert!(!voices.set(Voice::Read, None));
        assert_eq!(
            voices.speakers(),
            vec![
                (NarrativeId(0), Voice::Show),
                (NarrativeId(1), Voice::Found),
                (NarrativeId(2), Voice::Show),
            ],
            "each thread once, with its strongest voice"
        );
        assert!(voices.set(Voice::Found, None));
        assert_eq!(voices.speakers().len(), 3);
        voices.silence(Voice::Show);
        assert!(voices.is_empty());
    }
}
