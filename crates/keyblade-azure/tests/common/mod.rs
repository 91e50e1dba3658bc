//! Settings shared by the tests that run keyblade-azure against the in-process sandbox:
//! short retry waits and fast polling, so a fault or a long-running operation costs
//! milliseconds, not the production defaults' seconds.

use std::time::Duration;

use keyblade_azure::arm::lro::LroSettings;
use keyblade_azure::{HttpSettings, RetryPolicy};

pub fn http_settings() -> HttpSettings {
    HttpSettings {
        retry: RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_secs(2),
            base_backoff: Duration::from_millis(50),
        },
        ..HttpSettings::default()
    }
}

pub fn lro_settings() -> LroSettings {
    LroSettings {
        default_poll_interval: Duration::from_millis(50),
        max_poll_interval: Duration::from_millis(200),
        timeout: Duration::from_secs(60),
    }
}
