//! The QR code of the phone form's address, as a grid of dark and light modules to paint.

use qrcodegen::{QrCode, QrCodeEcc};

/// A QR code: `size` × `size` modules, row by row, `true` for dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrGrid {
    pub size: usize,
    pub dark: Vec<bool>,
}

impl QrGrid {
    /// The code for `text` with medium error correction (a smudged screen still scans), or
    /// `None` if the text is too long for any QR code.
    #[must_use]
    pub fn encode(text: &str) -> Option<Self> {
        let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
        let size = usize::try_from(code.size()).ok()?;
        let side = code.size();
        let dark = (0..side)
            .flat_map(|y| (0..side).map(move |x| (x, y)))
            .map(|(x, y)| code.get_module(x, y))
            .collect();
        Some(Self { size, dark })
    }

    /// Whether the module at column `x`, row `y` is dark.
    #[must_use]
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.size + x]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_lan_url() {
        let grid = QrGrid::encode("http://192.168.1.20:8080/").expect("fits");
        // Version 2 (25 modules) holds this address at medium correction.
        assert_eq!(grid.size, 25);
        assert_eq!(grid.dark.len(), 25 * 25);
        // The three finder patterns: dark corners, a light ring inside each.
        for (x, y) in [(0, 0), (24, 0), (0, 24)] {
            assert!(grid.is_dark(x, y));
        }
        assert!(!grid.is_dark(1, 1));
        assert!(grid.is_dark(3, 3), "finder centre");
    }
}
