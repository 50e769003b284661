//! Finding a GPU adapter before Bevy does, so that a machine without one gets a clear message and
//! an exit code instead of a panic deep in the renderer.

use bevy::render::settings::{Backends, RenderCreation, WgpuSettings};

/// Exit status of every command that needs a GPU adapter and finds none (the README promises it).
pub const EXIT_NO_GPU: u8 = 3;

/// What to tell a person whose machine has no usable adapter.
pub const NO_ADAPTER_HELP: &str = "no GPU adapter was found (Dreamloom renders through Vulkan). \
On Debian or Ubuntu, `apt-get install mesa-vulkan-drivers` provides lavapipe, a software Vulkan \
adapter that renders on the CPU; with a GPU, install its Vulkan driver.";

/// The backends Dreamloom renders with: Vulkan, unless `WGPU_BACKEND` names others.
#[must_use]
pub fn backends() -> Backends {
    Backends::from_env().unwrap_or(Backends::VULKAN)
}

/// The renderer settings every mode uses.
#[must_use]
pub fn render_creation() -> RenderCreation {
    RenderCreation::Automatic(Box::new(WgpuSettings {
        backends: Some(backends()),
        ..Default::default()
    }))
}

/// Name, kind and backend of the adapter Bevy will pick, or `None` when there is none.
#[must_use]
pub fn find_adapter() -> Option<wgpu::AdapterInfo> {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    descriptor.backends = backends();
    let instance = wgpu::Instance::new(descriptor);
    let options = wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::from_env()
            .unwrap_or(wgpu::PowerPreference::HighPerformance),
        force_fallback_adapter: false,
        compatible_surface: None,
    };
    bevy::tasks::block_on(instance.request_adapter(&options))
        .ok()
        .map(|adapter| adapter.get_info())
}

/// One line describing an adapter, for logs and the benchmark.
#[must_use]
pub fn describe(info: &wgpu::AdapterInfo) -> String {
    format!(
        "{} ({:?}, {:?}, driver {})",
        info.name, info.device_type, info.backend, info.driver
    )
}
