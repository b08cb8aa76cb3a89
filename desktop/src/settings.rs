//! The app's own settings (language, server URL), kept as JSON in the data
//! directory beside client-core's database. Defaults: 한국어 and
//! `http://127.0.0.1:8080`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    #[serde(with = "lang_code")]
    pub lang: Lang,
    pub server_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lang: Lang::Ko,
            server_url: DEFAULT_SERVER.to_owned(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot save settings to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode settings: {0}")]
    Encode(#[from] serde_json::Error),
}

fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("settings.json")
}

impl Settings {
    /// The saved settings; defaults when there are none or they are unreadable
    /// (a broken file must never keep the app from starting).
    pub fn load(data_dir: &Path) -> Settings {
        std::fs::read(file(data_dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Saves atomically (write a temp file, then rename).
    pub fn save(&self, data_dir: &Path) -> Result<(), SettingsError> {
        let path = file(data_dir);
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(self)?;
        let write = |p: &Path| -> std::io::Result<()> {
            std::fs::create_dir_all(data_dir)?;
            std::fs::write(p, &bytes)?;
            std::fs::rename(p, &path)
        };
        write(&tmp).map_err(|source| SettingsError::Write {
            path: path.clone(),
            source,
        })
    }
}

/// Checks a server URL typed in settings.
pub fn valid_server_url(url: &str) -> bool {
    let url = url.trim();
    (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "https://".len()
        && !url.contains(' ')
}

mod lang_code {
    use super::Lang;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(lang: &Lang, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(lang.code())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Lang, D::Error> {
        let code = String::deserialize(d)?;
        Ok(Lang::from_code(&code).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_survive_a_broken_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(Settings::load(dir.path()), Settings::default());
        let s = Settings {
            lang: Lang::En,
            server_url: "http://10.0.0.2:9000".into(),
        };
        s.save(dir.path()).expect("save");
        assert_eq!(Settings::load(dir.path()), s);
        std::fs::write(dir.path().join("settings.json"), b"{nope").expect("write");
        assert_eq!(Settings::load(dir.path()), Settings::default());
    }

    #[test]
    fn server_urls_are_checked() {
        assert!(valid_server_url("http://127.0.0.1:8080"));
        assert!(valid_server_url("https://moa.example"));
        assert!(!valid_server_url("ftp://x"));
        assert!(!valid_server_url("http://"));
        assert!(!valid_server_url("moa.example"));
    }
}
