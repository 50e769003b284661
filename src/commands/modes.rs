//! `view`, `tune` and `kiosk`: the windowed modes, started from the store.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use bevy::app::AppExit;

use super::{Failure, open_store};
use crate::{
    cli::{KioskArgs, ViewArgs},
    kiosk::{self, KioskSettings, config::KioskConfig},
    narrative::{
        NarrativeId,
        receipt::Receipt,
        store::{Reader, Status},
    },
    piece::PieceSettings,
    tuning::preset::Preset,
    viewer::{self, ViewerSettings},
};

/// The narrative with receipt `code`, if its thread is on the cloak; otherwise why not, in
/// words its owner understands.
pub fn find_on_cloak(reader: &Reader, code: &str) -> Result<NarrativeId, Failure> {
    let receipt: Receipt = code.parse()?;
    let stored = reader.lookup(receipt)?;
    if stored.status != Status::Visible || !stored.narrative.consent.display {
        return Err(Failure::new(format!(
            "the narrative {receipt} is not on the cloak (it is {}, or not shown by its owner's choice)",
            stored.status.as_str()
        )));
    }
    Ok(stored.narrative.id)
}

/// The viewer (`tune`: with the tuning panel open), until its window is closed.
pub fn view(data: &Path, args: ViewArgs, tune: bool) -> Result<(), Failure> {
    let ViewArgs {
        seed,
        find,
        show,
        preset,
    } = args;
    let store = open_store(data)?;
    let reader = store.reader()?;
    let find = find.map(|code| find_on_cloak(&reader, &code)).transpose()?;
    let narratives = reader.displayed()?;
    drop(reader);
    let look = preset.as_deref().map(Preset::load).transpose()?;
    // A preset given as a file is followed: edit it and the look changes.
    let preset_file = preset.map(PathBuf::from).filter(|path| path.is_file());
    exit_to_result(viewer::run(ViewerSettings {
        piece: PieceSettings {
            seed,
            narratives,
            preset: look,
            show,
            store: Some(Arc::new(store)),
        },
        find,
        preset_file,
        tune,
        data_dir: data.to_owned(),
    }))
}

/// The gallery kiosk, until a curator quits it.
pub fn kiosk(data: &Path, args: KioskArgs) -> Result<(), Failure> {
    let KioskArgs {
        monitor,
        preset,
        web,
        moderation,
        windowed,
        seed,
    } = args;
    let (mut config, created) = KioskConfig::load_or_create(data)?;
    if created {
        eprintln!(
            "dreamloom kiosk: wrote {} with the curator PIN {} (change it there)",
            data.join(kiosk::config::CONFIG_FILE).display(),
            config.curator_pin
        );
    }
    if let Some(moderation) = moderation {
        config.moderation = moderation;
    }
    let store = open_store(data)?;
    let narratives = store.reader()?.displayed()?;
    let preset = preset.as_deref().map(Preset::load).transpose()?;
    exit_to_result(kiosk::run(KioskSettings {
        monitor,
        windowed,
        preset,
        seed,
        config,
        web,
        narratives,
        store,
        data_dir: data.to_owned(),
    }))
}

fn exit_to_result(exit: AppExit) -> Result<(), Failure> {
    match exit {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(Failure::silent(code.get())),
    }
}
