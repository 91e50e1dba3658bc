//! `cargo xtask icons`: every icon Tauri bundling needs, from the one SVG source.

use crate::prereq;
use crate::process::Cmd;

pub fn regenerate() -> Result<(), String> {
    prereq::ensure_node()?;
    prereq::ensure_npm_packages()?;
    let source = crate::root().join("icons").join("keyblade.svg");
    let generated = crate::target_dir().join("icons");
    if generated.exists() {
        std::fs::remove_dir_all(&generated)
            .map_err(|error| format!("cannot clear {}: {error}", generated.display()))?;
    }
    Cmd::npm(&[
        "exec",
        "--",
        "tauri",
        "icon",
        &source.to_string_lossy(),
        "--output",
        &generated.to_string_lossy(),
    ])
    .run()?;

    // Desktop bundles only: the CLI also writes Android and iOS sets, which keyblade
    // does not ship.
    let icons = crate::root().join("icons");
    let mut copied = 0;
    let entries = std::fs::read_dir(&generated)
        .map_err(|error| format!("cannot read {}: {error}", generated.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|error| format!("cannot read {}: {error}", generated.display()))?
            .path();
        let is_desktop_icon = path.is_file()
            && path
                .extension()
                .is_some_and(|extension| ["png", "ico", "icns"].iter().any(|e| extension == *e));
        if let (true, Some(name)) = (is_desktop_icon, path.file_name()) {
            std::fs::copy(&path, icons.join(name))
                .map_err(|error| format!("cannot copy {}: {error}", path.display()))?;
            copied += 1;
        }
    }
    println!("Wrote {copied} icons to {}.", icons.display());
    Ok(())
}
