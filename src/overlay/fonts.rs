//! egui's fonts: its own, then every embedded font of the text stack (`crate::text::fonts`) as a
//! fallback, so that what a visitor types into a text field shows a glyph for every letter while
//! they type. egui still lays glyphs out one by one, unshaped; a visitor's words are shown shaped
//! (`overlay::words`) everywhere but inside the field being typed in, which has a shaped preview.
//! Sources and licences: `assets/fonts/README.md`.

use bevy_egui::egui::{self, FontData, FontDefinitions, FontFamily};

use crate::text::fonts::FONTS;

/// egui's fonts with the fallbacks after them in both families.
#[must_use]
pub fn definitions() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    for font in &FONTS {
        let name = font.file;
        fonts
            .font_data
            .insert(name.to_owned(), FontData::from_static(font.bytes).into());
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
            "ọ̀rẹ́ ɛ ɔ",
            "ሕልም",
            "கனவு",
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
