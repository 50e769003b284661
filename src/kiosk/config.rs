//! The exhibition's kiosk settings, `kiosk.ron` in the data folder: the moderation policy, the
//! idle timings, the address phones should open, the language the kiosk speaks, and the database
//! an exhibition of several machines shares. Written with the defaults the first time the kiosk
//! starts. The curator PIN is not kept here: its salted hash is in `curator.pin`, set with
//! `dreamloom kiosk-pin` (see `kiosk::curator`); a plain `curator_pin` left here by an older
//! Dreamloom is read only to be moved there once.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::flow::KioskTimings;
use crate::{
    i18n::Language,
    narrative::store::{Moderation, check_exhibition_url},
};

/// File name in the data folder.
pub const CONFIG_FILE: &str = "kiosk.ron";

/// What an exhibition sets for its kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KioskConfig {
    /// `post`: visitors' threads appear at once, a curator can hide them; `pre`: they wait,
    /// pending, until a curator approves them.
    pub moderation: Moderation,
    /// A plain curator PIN from before `curator.pin` (an older `kiosk.ron`): moved into the PIN
    /// file at start if it has enough digits (`kiosk::curator::migrate_plain_pin`), and to be
    /// removed from the file. Left out when empty, so the kiosk never writes one.
    #[serde(rename = "curator_pin", skip_serializing_if = "String::is_empty")]
    pub legacy_curator_pin: String,
    pub timings: KioskTimings,
    /// The address phones open, when the one the kiosk works out is not reachable (NAT, a name).
    pub public_url: Option<String>,
    /// Big keys under the form, for screens without a keyboard.
    pub on_screen_keyboard: bool,
    /// Dreams one network may send from the phone form at once (then one a minute). Behind one
    /// NAT — a gallery's own Wi-Fi — every phone is one network: raise it there.
    pub phone_burst: u32,
    /// Dreams every phone together may send per minute (0: no shared cap).
    pub phone_posts_per_minute: u32,
    /// The language the kiosk speaks (`"en"`, `"ar"`, `"es"`): every visitor starts in it and may
    /// choose another on the form; the curator reads it. Phones get the one their browser asks
    /// for.
    #[serde(deserialize_with = "language_setting")]
    pub language: Language,
    /// The PostgreSQL database every machine of the exhibition shares
    /// (`Some("postgres://dreamloom@10.0.0.5/show")`); `None`: this machine's own store in the
    /// data folder. `--exhibition` and `DREAMLOOM_EXHIBITION` come first. Every command that
    /// opens the store on this data folder reads it.
    pub exhibition: Option<String>,
}

/// Reads `language`, naming the field when its tag is unknown (RON would only give a position).
fn language_setting<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Language, D::Error> {
    let tag = String::deserialize(deserializer)?;
    tag.parse::<Language>()
        .map_err(|error| serde::de::Error::custom(format!("language: {error}")))
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            moderation: Moderation::Post,
            legacy_curator_pin: String::new(),
            timings: KioskTimings::default(),
            public_url: None,
            on_screen_keyboard: true,
            phone_burst: crate::web::RateLimit::default().burst,
            phone_posts_per_minute: crate::web::RateLimit::default().global_per_minute,
            language: Language::default(),
            exhibition: None,
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

impl KioskConfig {
    /// Checks what RON cannot: the timings and the address. (A plain `curator_pin` is checked
    /// when it is moved into the PIN file.)
    pub fn check(&self) -> Result<(), String> {
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
        if !(1..=10_000).contains(&self.phone_burst) {
            return Err(format!(
                "phone_burst is {}; it must be between 1 and 10000",
                self.phone_burst
            ));
        }
        if self.phone_posts_per_minute > 100_000 {
            return Err(format!(
                "phone_posts_per_minute is {}; it must be at most 100000 (0: no cap)",
                self.phone_posts_per_minute
            ));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(format!(
                "public_url \"{url}\" must start with http:// or https://"
            ));
        }
        if let Some(url) = &self.exhibition {
            check_exhibition_url(url).map_err(|problem| format!("exhibition: {problem}"))?;
        }
        Ok(())
    }

    /// Reads `kiosk.ron` from `dir` when there is one, and never writes it: for the commands
    /// other than the kiosk, which only need to know where the exhibition's narratives are.
    pub fn load(dir: &Path) -> Result<Option<Self>, ConfigError> {
        let path = dir.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// The settings in `text`, read from `path`, checked.
    fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Self = ron::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        config.check().map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })?;
        Ok(config)
    }

    /// Reads `kiosk.ron` from `dir`, or writes one with the defaults if there is none (no PIN:
    /// `dreamloom kiosk-pin` sets that). Returns the settings and whether the file was just
    /// created.
    pub fn load_or_create(dir: &Path) -> Result<(Self, bool), ConfigError> {
        let path = dir.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((Self::parse(&text, &path)?, false)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let config = Self::default();
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
                    format!(
                        "// Dreamloom kiosk settings (see the README). The curator PIN is not \
                         kept here: set it with `dreamloom kiosk-pin`.\n{text}\n"
                    ),
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

    /// Today's first start writes a random 6-digit PIN into kiosk.ron, readable by anyone on the
    /// machine; now no PIN is written anywhere until `dreamloom kiosk-pin` sets one.
    #[test]
    fn first_start_writes_the_defaults_and_no_pin() {
        let dir = TempDir::new("kiosk-config");
        let (created, fresh) = KioskConfig::load_or_create(dir.path()).unwrap();
        assert!(fresh);
        assert_eq!(created, KioskConfig::default());
        let text = std::fs::read_to_string(dir.path().join(CONFIG_FILE)).unwrap();
        assert!(!text.contains("curator_pin:"), "{text}");
        assert!(!dir.path().join(crate::kiosk::curator::PIN_FILE).exists());
        let (read, fresh) = KioskConfig::load_or_create(dir.path()).unwrap();
        assert!(!fresh);
        assert_eq!(read, created);
    }

    #[test]
    fn bad_settings_are_named() {
        let dir = TempDir::new("kiosk-config-bad");
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "(moderation: later)").unwrap();
        let error = KioskConfig::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(error.contains("later"), "{error}");
        std::fs::write(&path, "(timings: (attract_after: 0.0))").unwrap();
        let error = KioskConfig::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(error.contains("timings.attract_after"), "{error}");
        std::fs::write(&path, "(phone_burst: 0)").unwrap();
        let error = KioskConfig::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(error.contains("phone_burst"), "{error}");
        std::fs::write(&path, "(moderation: pre, phone_burst: 40)").unwrap();
        let (config, _) = KioskConfig::load_or_create(dir.path()).unwrap();
        assert_eq!(config.moderation, Moderation::Pre);
        assert_eq!(config.phone_burst, 40, "a gallery behind one NAT raises it");
        assert_eq!(config.language, Language::English, "by default");
    }

    #[test]
    fn the_kiosk_speaks_the_language_it_is_given_and_names_an_unknown_one() {
        let dir = TempDir::new("kiosk-config-language");
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "(language: \"ar\", moderation: pre)").unwrap();
        let (config, _) = KioskConfig::load_or_create(dir.path()).unwrap();
        assert_eq!(config.language, Language::Arabic);
        assert_eq!(config.moderation, Moderation::Pre);
        std::fs::write(&path, "(language: \"de\")").unwrap();
        let error = KioskConfig::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(error.contains("language: \"de\""), "{error}");
        assert!(
            error.contains("\"es\""),
            "the known tags are named: {error}"
        );
        // Written back as it is read.
        let written =
            ron::ser::to_string_pretty(&config, ron::ser::PrettyConfig::default()).unwrap();
        assert!(written.contains("language: \"ar\""), "{written}");
        let read: KioskConfig = ron::from_str(&written).unwrap();
        assert_eq!(read, config);
    }

    #[test]
    fn the_exhibition_database_is_read_and_checked() {
        let dir = TempDir::new("kiosk-config-exhibition");
        assert_eq!(KioskConfig::load(dir.path()).unwrap(), None);
        assert!(
            !dir.path().join(CONFIG_FILE).exists(),
            "loading never writes the file"
        );
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(
            &path,
            "(exhibition: Some(\"postgres://dreamloom@10.0.0.5/show\"))",
        )
        .unwrap();
        let config = KioskConfig::load(dir.path()).unwrap().unwrap();
        assert_eq!(
            config.exhibition.as_deref(),
            Some("postgres://dreamloom@10.0.0.5/show")
        );
        std::fs::write(&path, "(exhibition: Some(\"dreamloom:s3cret@10.0.0.5\"))").unwrap();
        let error = KioskConfig::load(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("exhibition:") && error.contains("is not a PostgreSQL address"),
            "{error}"
        );
        assert!(!error.contains("s3cret"), "{error}");
    }

    /// An older kiosk.ron with a plain PIN still loads; the PIN is handed over for moving (or
    /// refusing) by `curator::migrate_plain_pin`, and never written back.
    #[test]
    fn an_old_plain_pin_is_read_for_moving_only() {
        let dir = TempDir::new("kiosk-config-old-pin");
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "(curator_pin: \"1234\", moderation: pre)").unwrap();
        let (config, fresh) = KioskConfig::load_or_create(dir.path()).unwrap();
        assert!(!fresh);
        assert_eq!(config.legacy_curator_pin, "1234");
        assert_eq!(config.moderation, Moderation::Pre);
        let without = KioskConfig {
            legacy_curator_pin: String::new(),
            ..config
        };
        let written =
            ron::ser::to_string_pretty(&without, ron::ser::PrettyConfig::default()).unwrap();
        assert!(!written.contains("curator_pin"), "{written}");
    }
}
