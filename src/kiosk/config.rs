//! The exhibition's kiosk settings, `kiosk.ron` in the data folder: the moderation policy, the
//! curator PIN, the idle timings, and the address phones should open. Written with a fresh random
//! PIN the first time the kiosk starts, so a gallery never runs with a PIN everyone knows.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::flow::KioskTimings;
use crate::narrative::store::Moderation;

/// File name in the data folder.
pub const CONFIG_FILE: &str = "kiosk.ron";

/// What an exhibition sets for its kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KioskConfig {
    /// `post`: visitors' threads appear at once, a curator can hide them; `pre`: they wait,
    /// pending, until a curator approves them.
    pub moderation: Moderation,
    /// Digits a curator types after the chord (Ctrl+Alt+Shift+C, or holding the top-left corner
    /// for three seconds) to open the curator panel.
    pub curator_pin: String,
    pub timings: KioskTimings,
    /// The address phones open, when the one the kiosk works out is not reachable (NAT, a name).
    pub public_url: Option<String>,
    /// Big keys under the form, for screens without a keyboard.
    pub on_screen_keyboard: bool,
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            moderation: Moderation::Post,
            curator_pin: String::new(),
            timings: KioskTimings::default(),
            public_url: None,
            on_screen_keyboard: true,
        }
    }
}

/// Why the kiosk settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// PIN lengths accepted.
const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=12;

impl KioskConfig {
    /// Checks what RON cannot: the PIN and the timings.
    pub fn check(&self) -> Result<(), String> {
        let pin = &self.curator_pin;
        if !PIN_DIGITS.contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "curator_pin must be {} to {} digits",
                PIN_DIGITS.start(),
                PIN_DIGITS.end()
            ));
        }
        let t = &self.timings;
        for (name, value) in [
            ("timings.attract_after", t.attract_after),
            ("timings.form_clear_after", t.form_clear_after),
            ("timings.receipt_for", t.receipt_for),
            ("timings.cursor_hide_after", t.cursor_hide_after),
        ] {
            if !(1.0..=86_400.0).contains(&value) {
                return Err(format!(
                    "{name} is {value}; it must be between 1 and 86400 seconds"
                ));
            }
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(format!(
                "public_url \"{url}\" must start with http:// or https://"
            ));
        }
        Ok(())
    }

    /// Reads `kiosk.ron` from `dir`, or writes one with a new random PIN if there is none.
    /// Returns the settings and whether the file was just created.
    pub fn load_or_create(dir: &Path) -> Result<(Self, bool), ConfigError> {
        let path = dir.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let config: Self = ron::from_str(&text).map_err(|e| ConfigError::Invalid {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                config.check().map_err(|message| ConfigError::Invalid {
                    path: path.clone(),
                    message,
                })?;
                Ok((config, false))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let config = Self {
                    curator_pin: format!("{:06}", rand::random_range(0..1_000_000u32)),
                    ..Self::default()
                };
                let text = ron::ser::to_string_pretty(&config, ron::ser::PrettyConfig::default())
                    .map_err(|e| ConfigError::Invalid {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                let write = |source| ConfigError::Write {
                    path: path.clone(),
                    source,
                };
                std::fs::create_dir_all(dir).map_err(write)?;
                std::fs::write(
                    &path,
                    format!("// Dreamloom kiosk settings (see the README).\n{text}\n"),
                )
                .map_err(write)?;
                Ok((config, true))
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TempDir;

    #[test]
    fn first_start_writes_a_random_pin_then_reads_it_back() {
        let dir = TempDir::new("kiosk-config");
        let (created, fresh) = KioskConfig::load_or_create(dir.path()).unwrap();
        assert!(fresh);
        assert_eq!(created.curator_pin.len(), 6);
        let (read, fresh) = KioskConfig::load_or_create(dir.path()).unwrap();
        assert!(!fresh);
        assert_eq!(read, created);
    }

    #[test]
    fn bad_settings_are_named() {
        let dir = TempDir::new("kiosk-config-bad");
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "(curator_pin: \"12ab\")").unwrap();
        let error = KioskConfig::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("curator_pin must be 4 to 12 digits"),
            "{error}"
        );
        std::fs::write(&path, "(curator_pin: \"1234\", moderation: later)").unwrap();
        let error = KioskConfig::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(error.contains("later"), "{error}");
        std::fs::write(
            &path,
            "(curator_pin: \"1234\", timings: (attract_after: 0.0))",
        )
        .unwrap();
        let error = KioskConfig::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(error.contains("timings.attract_after"), "{error}");
        std::fs::write(&path, "(curator_pin: \"1234\", moderation: pre)").unwrap();
        let (config, _) = KioskConfig::load_or_create(dir.path()).unwrap();
        assert_eq!(config.moderation, Moderation::Pre);
    }
}
