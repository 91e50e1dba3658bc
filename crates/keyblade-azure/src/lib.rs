//! keyblade's Azure side: which cloud to talk to, and the clients that talk to it.

pub mod cloud;
pub mod credential;
pub mod error;
pub mod retry;
pub mod transport;

pub use cloud::{CloudMetadataError, CloudSettings};
pub use credential::{KeybladeCredential, SignInMethod, load_cloud_from_metadata_url};
pub use error::{AzureError, KeyVaultDenial};
pub use retry::RetryPolicy;
pub use transport::{HttpSettings, HttpTransport, TokenHostGuard};
