//! The on-screen keyboard of a touch-only kiosk: big keys that type into the form's field in
//! focus. Latin letters, digits and punctuation; other scripts come through a hardware keyboard's
//! layout, an input method, paste, or the phone form.

/// One key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Space,
    Backspace,
    /// The next letter in capitals.
    Shift,
    /// Letters ↔ digits and punctuation.
    Symbols,
}

impl Key {
    /// What the key shows.
    #[must_use]
    pub fn label(self, keyboard: &Keyboard) -> String {
        match self {
            Key::Char(c) if keyboard.shift => c.to_uppercase().collect(),
            Key::Char(c) => c.to_string(),
            Key::Space => "space".into(),
            Key::Backspace => "Del".into(),
            Key::Shift => "Shift".into(),
            Key::Symbols if keyboard.symbols => "abc".into(),
            Key::Symbols => "?123".into(),
        }
    }

    /// The translations' message for a key that shows a word (`space`, `Del`, `Shift`), which
    /// the screen says in the visitor's language instead of [`Key::label`]'s English.
    #[must_use]
    pub fn message_id(self) -> Option<&'static str> {
        match self {
            Key::Space => Some("key-space"),
            Key::Backspace => Some("key-delete"),
            Key::Shift => Some("key-shift"),
            Key::Char(_) | Key::Symbols => None,
        }
    }

    /// How many standard key widths it takes.
    #[must_use]
    pub fn width(self) -> f32 {
        match self {
            Key::Char(_) => 1.0,
            Key::Space => 6.0,
            Key::Backspace | Key::Shift | Key::Symbols => 1.5,
        }
    }
}

const LETTERS: [&str; 3] = ["qwertyuiop", "asdfghjkl'", "zxcvbnm,.-"];
const SYMBOLS: [&str; 3] = ["1234567890", "@#&/()\"':;", "!?%+=*_,.-"];

/// The keyboard's state: which keys it shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keyboard {
    pub shift: bool,
    pub symbols: bool,
}

impl Keyboard {
    /// The rows of keys, top to bottom.
    #[must_use]
    pub fn rows(&self) -> Vec<Vec<Key>> {
        let chars = if self.symbols { SYMBOLS } else { LETTERS };
        let mut rows: Vec<Vec<Key>> = chars
            .iter()
            .map(|row| row.chars().map(Key::Char).collect())
            .collect();
        rows[2].insert(0, Key::Shift);
        rows[2].push(Key::Backspace);
        rows.push(vec![Key::Symbols, Key::Space]);
        rows
    }

    /// Applies `key` to `text`, the field in focus.
    pub fn press(&mut self, key: Key, text: &mut String) {
        match key {
            Key::Char(c) => {
                if self.shift {
                    text.extend(c.to_uppercase());
                    self.shift = false;
                } else {
                    text.push(c);
                }
            }
            Key::Space => text.push(' '),
            Key::Backspace => {
                text.pop();
            }
            Key::Shift => self.shift = !self.shift,
            Key::Symbols => {
                self.symbols = !self.symbols;
                self.shift = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_a_sentence() {
        let mut keyboard = Keyboard::default();
        let mut text = String::new();
        let mut type_key = |key: Key, text: &mut String| keyboard.press(key, text);
        type_key(Key::Shift, &mut text);
        for c in "i dreamt".chars() {
            type_key(if c == ' ' { Key::Space } else { Key::Char(c) }, &mut text);
        }
        type_key(Key::Symbols, &mut text);
        type_key(Key::Char('!'), &mut text);
        assert_eq!(text, "I dreamt!");
        type_key(Key::Backspace, &mut text);
        type_key(Key::Backspace, &mut text);
        assert_eq!(text, "I dream");
    }

    #[test]
    fn rows_hold_every_key_once() {
        for keyboard in [
            Keyboard::default(),
            Keyboard {
                symbols: true,
                shift: false,
            },
        ] {
            let rows = keyboard.rows();
            assert_eq!(rows.len(), 4);
            let keys: Vec<Key> = rows.into_iter().flatten().collect();
            for (i, key) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(key), "{key:?} twice");
            }
            assert!(keys.contains(&Key::Backspace) && keys.contains(&Key::Space));
        }
    }
}
