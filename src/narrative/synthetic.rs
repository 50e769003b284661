//! Generated narratives for scale: benchmarks, stress tests and `--synthetic N`. Deterministic for a
//! seed: origins drawn from a few dozen, about one in ten asking for the Sanctuary.

use super::{Consent, Narrative, NarrativeId};
use crate::hash::splitmix64;

const ORIGINS: [&str; 36] = [
    "Yoruba, Lagos",
    "Sámi, Kautokeino",
    "Quechua, Cusco",
    "Hmong, Minnesota",
    "Tuareg, Agadez",
    "Māori, Aotearoa",
    "Hakka, Meizhou",
    "Inuit, Nuuk",
    "Syrian, Aleppo",
    "Czech, Prague",
    "Zapotec, Oaxaca",
    "Warlpiri, Yuendumu",
    "Korean, Jeju",
    "Punjabi, Lahore",
    "Tamil, Madurai",
    "Gaelic, Lewis",
    "Swahili, Zanzibar",
    "Armenian, Yerevan",
    "Lakota, Pine Ridge",
    "Thai, Chiang Mai",
    "Haitian, Port-au-Prince",
    "Basque, Bilbao",
    "Nenets, Yamal",
    "Tunisian, Tunis",
    "Romani, Košice",
    "Ainu, Hokkaido",
    "Bengali, Dhaka",
    "Berber, Atlas",
    "Kurdish, Erbil",
    "Greek, Crete",
    "Yiddish, Vilnius",
    "Navajo, Chinle",
    "Tagalog, Manila",
    "Uyghur, Kashgar",
    "Igbo, Enugu",
    "Mapuche, Temuco",
];

const WORDS: [&str; 24] = [
    "river",
    "lantern",
    "grandmother",
    "loom",
    "salt",
    "mountain",
    "drum",
    "harbour",
    "moth",
    "orchard",
    "snow",
    "market",
    "song",
    "boat",
    "threshold",
    "smoke",
    "bread",
    "star",
    "well",
    "kite",
    "bridge",
    "courtyard",
    "rain",
    "mirror",
];

/// `count` generated narratives for `seed`, ids 1..=count.
#[must_use]
pub fn synthetic_narratives(count: usize, seed: u64) -> Vec<Narrative> {
    (0..count)
        .map(|i| {
            let h = splitmix64(seed ^ splitmix64(i as u64));
            let pick = |shift: u32, n: usize| ((h >> shift) as usize) % n;
            let length = 6 + pick(40, 30);
            let text = (0..length)
                .map(|k| WORDS[(pick(k as u32 % 48, WORDS.len()) + k * 7) % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" ");
            Narrative {
                id: NarrativeId(i as u64 + 1),
                text: format!("Dream {i}: {text}."),
                origin: ORIGINS[pick(8, ORIGINS.len())].to_owned(),
                language: None,
                consent: Consent {
                    display: true,
                    sanctuary: pick(20, 10) == 0,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn synthetic_narratives_are_deterministic_varied_and_valid() {
        let a = synthetic_narratives(2000, 1);
        assert_eq!(a, synthetic_narratives(2000, 1));
        assert_ne!(a, synthetic_narratives(2000, 2));
        let origins: HashSet<_> = a.iter().map(|n| n.origin.as_str()).collect();
        assert!(origins.len() >= 30, "{} origins", origins.len());
        let sanctuary = a.iter().filter(|n| n.consent.sanctuary).count();
        assert!(
            (120..=280).contains(&sanctuary),
            "{sanctuary} sanctuary threads"
        );
        let texts: HashSet<_> = a.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts.len(), a.len());
        for n in &a {
            crate::narrative::validate(&crate::narrative::Submission::from(n))
                .expect("synthetic narratives are valid");
        }
    }
}
