//! Receipt codes: what a visitor keeps to find or withdraw their thread. Six characters of
//! Crockford base32 — no I, L, O or U, so nothing can be misread — 30 random bits.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::i18n::Phrase;

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code.
pub const RECEIPT_LEN: usize = 6;

/// A visitor's receipt code, e.g. `7KQ4XM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Receipt([u8; RECEIPT_LEN]);

impl Receipt {
    /// The code for 30 bits of `value` (higher bits are ignored).
    #[must_use]
    pub fn from_bits(value: u32) -> Self {
        let mut code = [0u8; RECEIPT_LEN];
        for (i, slot) in code.iter_mut().enumerate() {
            let shift = 5 * (RECEIPT_LEN - 1 - i);
            *slot = ALPHABET[((value >> shift) & 0x1f) as usize];
        }
        Self(code)
    }

    /// A fresh random code.
    #[must_use]
    pub fn random() -> Self {
        Self::from_bits(rand::random::<u32>())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("receipt codes are ASCII")
    }
}

impl fmt::Display for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why typed text is not a receipt code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("a receipt code has {RECEIPT_LEN} characters; \"{0}\" has {1}")]
    Length(String, usize),
    #[error("'{0}' cannot appear in a receipt code")]
    Character(char),
}

impl ReceiptError {
    /// What is wrong, as the kiosk and the phone form say it in the visitor's language (in
    /// English, as [`Display`](fmt::Display) writes it).
    #[must_use]
    pub fn phrase(&self) -> Phrase {
        match self {
            Self::Length(typed, length) => Phrase::new("receipt-error-length")
                .with_count("expected", RECEIPT_LEN)
                .with_text("typed", typed.clone())
                .with_count("length", *length),
            Self::Character(character) => {
                Phrase::new("receipt-error-character").with_text("character", character.to_string())
            }
        }
    }
}

impl FromStr for Receipt {
    type Err = ReceiptError;

    /// Reads a code as a person types it: any case, with spaces or dashes, and O, I or L where
    /// 0 or 1 was meant.
    fn from_str(typed: &str) -> Result<Self, Self::Err> {
        let mut code = [0u8; RECEIPT_LEN];
        let mut len = 0;
        for c in typed.chars().filter(|c| !matches!(c, ' ' | '-' | '\t')) {
            let upper = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            if !upper.is_ascii() || !ALPHABET.contains(&(upper as u8)) {
                return Err(ReceiptError::Character(c));
            }
            if len < RECEIPT_LEN {
                code[len] = upper as u8;
            }
            len += 1;
        }
        if len == RECEIPT_LEN {
            Ok(Self(code))
        } else {
            Err(ReceiptError::Length(typed.trim().to_owned(), len))
        }
    }
}

impl TryFrom<String> for Receipt {
    type Error = ReceiptError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Receipt> for String {
    fn from(receipt: Receipt) -> Self {
        receipt.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_avoid_ambiguous_letters() {
        for bits in [0, 1, 0x3fff_ffff, 123_456_789] {
            let code = Receipt::from_bits(bits);
            assert_eq!(code.as_str().len(), RECEIPT_LEN);
            assert!(!code.as_str().contains(['I', 'L', 'O', 'U']));
            assert_eq!(code.as_str().parse::<Receipt>(), Ok(code));
        }
        assert_ne!(Receipt::from_bits(1), Receipt::from_bits(2));
    }

    /// The kiosk and the phone form say a mistyped code through the translations; in English
    /// as the command line does.
    #[test]
    fn mistyped_codes_read_in_english_as_the_command_line_writes_them() {
        use crate::i18n::{Language, Translations};
        let translations = Translations::new();
        for typed in ["7KQ", "7KQ4XM99", "7KQ4X!"] {
            let error = typed.parse::<Receipt>().unwrap_err();
            let phrase = error.phrase();
            assert_eq!(
                translations.phrase(Language::English, &phrase),
                error.to_string()
            );
            let arabic = translations.phrase(Language::Arabic, &phrase);
            assert_ne!(arabic, error.to_string(), "{arabic}");
        }
    }

    #[test]
    fn typed_codes_are_forgiven() {
        let code: Receipt = "7kq-4xm".parse().unwrap();
        assert_eq!(code.as_str(), "7KQ4XM");
        assert_eq!("o1il 23".parse::<Receipt>().unwrap().as_str(), "011123");
    }

    #[test]
    fn bad_codes_say_why() {
        assert_eq!(
            "ABC".parse::<Receipt>().unwrap_err().to_string(),
            "a receipt code has 6 characters; \"ABC\" has 3"
        );
        assert_eq!(
            "ABCDEU".parse::<Receipt>(),
            Err(ReceiptError::Character('U'))
        );
        assert!("ABCDÉ1".parse::<Receipt>().is_err());
    }
}
