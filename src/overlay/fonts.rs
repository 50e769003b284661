//! Fonts for every script a visitor may write in. egui's own fonts cover Latin, Greek and
//! Cyrillic; these fallbacks, embedded so the binary shows them on any machine, add Chinese and
//! Japanese (Droid Sans Fallback), Korean (Nanum Gothic cut to Hangul and renamed),
//! Arabic, Hebrew, Devanagari and
//! Thai (Noto Sans). egui draws glyphs one by one,
//! left to right, without shaping: CJK and Thai read well; Hebrew and Arabic run left to right
//! (Arabic unjoined), and Devanagari lacks its conjuncts. The store, the phone form and exports keep
//! every text exactly as typed. Sources and licences: `assets/fonts/README.md`.

use bevy_egui::egui::{self, FontData, FontDefinitions, FontFamily};

/// (name, bytes) of each fallback font, in the order egui tries them.
const FALLBACKS: [(&str, &[u8]); 6] = [
    (
        "noto-arabic",
        include_bytes!("../../assets/fonts/NotoSansArabic-Regular.ttf"),
    ),
    (
        "noto-hebrew",
        include_bytes!("../../assets/fonts/NotoSansHebrew-Regular.ttf"),
    ),
    (
        "noto-devanagari",
        include_bytes!("../../assets/fonts/NotoSansDevanagari-Regular.ttf"),
    ),
    (
        "noto-thai",
        include_bytes!("../../assets/fonts/NotoSansThai-Regular.ttf"),
    ),
    (
        "dreamloom-hangul",
        include_bytes!("../../assets/fonts/DreamloomHangul-Regular.ttf"),
    ),
    (
        "droid-fallback",
        include_bytes!("../../assets/fonts/DroidSansFallbackFull.ttf"),
    ),
];

/// egui's fonts with the fallbacks after them in both families.
#[must_use]
pub fn definitions() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    for (name, bytes) in FALLBACKS {
        fonts
            .font_data
            .insert(name.to_owned(), FontData::from_static(bytes).into());
        for family in [FontFamily::Proportional, FontFamily::Monospace] {
            fonts
                .families
                .entry(family)
                .or_default()
                .push(name.to_owned());
        }
    }
    fonts
}

/// Installs the fonts into `ctx`.
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every script the kiosk promises has a glyph in some font of the family.
    #[test]
    fn scripts_have_glyphs() {
        let ctx = egui::Context::default();
        install(&ctx);
        let _ = ctx.run_ui(egui::RawInput::default(), |_| {});
        let font = egui::FontId::proportional(20.0);
        for text in [
            "夢を見た",
            "꿈",
            "حلم",
            "חלום",
            "सपना",
            "ความฝัน",
            "сон",
            "ὄνειρος",
        ] {
            for c in text.chars() {
                assert!(
                    ctx.fonts_mut(|f| f.has_glyph(&font, c)),
                    "no glyph for {c:?} in {text}"
                );
            }
        }
    }
}
