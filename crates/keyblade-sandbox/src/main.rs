//! `keyblade-sandbox`: a local Azure (Entra ID, Resource Manager, Key Vault) over HTTPS.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use keyblade_sandbox::{RandomFaultKind, Sandbox, SandboxConfig};

/// A local Azure for keyblade: Entra ID, Resource Manager and Key Vault over HTTPS
/// on loopback. Prints `ready https://localhost:PORT` on stdout once it serves.
#[derive(Debug, Parser)]
#[command(name = "keyblade-sandbox", version, about, long_about = None)]
struct Args {
    /// Port to listen on, on 127.0.0.1 and [::1]; 0 picks a free port.
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// What to fill the sandbox with when there is no state file to load:
    /// `demo` (a few subscriptions with CMK in every state), `large` (benchmark
    /// sized), `empty` (tenants and principals only), or a path to a scenario file.
    #[arg(long, default_value = "demo")]
    scenario: String,

    /// JSON file to load the state from (if it exists) and to save it to after
    /// every change, atomically. Without it, state lives in memory only.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,

    /// Write the CA certificate (PEM) that clients must trust to this file.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,

    /// Latency added to every request, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,

    /// Probability (0 to 1) that a Resource Manager or Key Vault request fails
    /// with a random fault, one of --fault-kinds (by default 429, 500 or 503,
    /// the request not handled). Sign-in and the admin API never fail.
    #[arg(long, value_name = "R", default_value_t = 0.0)]
    fault_rate: f64,

    /// What a random fault (--fault-rate) may be, comma-separated, chosen
    /// evenly. Not handled: throttle (429, Retry-After 1), unavailable (503,
    /// Retry-After 1), serverError (500), reset (connection reset). Handled,
    /// so a write takes effect, and then the answer is lost: applyThen500,
    /// applyThen504, applyThenReset. Default: throttle,serverError,unavailable.
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    fault_kinds: Vec<RandomFaultKind>,

    /// Sandbox seconds before a new grant takes effect: a Key Vault access
    /// policy entry or permission, a role assignment, a newly enabled
    /// system-assigned identity. Until then Key Vault refuses as if it were
    /// absent, and CMK updates with that key fail with KeyVaultAccessDenied.
    /// 0: at once.
    #[arg(long, value_name = "N", default_value_t = 0)]
    propagation_delay_secs: u64,

    /// How fast sandbox time runs: sandbox seconds per real second (e.g. 3600
    /// makes an hour pass every second). The admin API can also jump the clock.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    clock_speed: f64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.fault_rate) {
        eprintln!(
            "keyblade-sandbox: --fault-rate must be between 0 and 1, got {}",
            args.fault_rate
        );
        return ExitCode::from(2);
    }
    if !args.clock_speed.is_finite() || args.clock_speed < 0.0 {
        eprintln!(
            "keyblade-sandbox: --clock-speed must be a number of at least 0, got {}",
            args.clock_speed
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("keyblade-sandbox: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let config = SandboxConfig {
        port: args.port,
        scenario: args.scenario,
        state_file: args.state,
        latency_ms: args.latency_ms,
        fault_rate: args.fault_rate,
        fault_kinds: args.fault_kinds,
        propagation_delay_secs: args.propagation_delay_secs,
        clock_speed: args.clock_speed,
        // The standalone binary is for local testers, who drive it through the
        // admin API.
        admin: keyblade_sandbox::AdminApi::Open,
        // A tester's sandbox serves like the app's demo: keys ready before they are read.
        pregenerate_keys: true,
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("keyblade-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.ca_out
        && let Err(e) = std::fs::write(path, sandbox.ca_pem())
    {
        eprintln!(
            "keyblade-sandbox: could not write the CA certificate to {}: {e}",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    if let Some(warning) = sandbox.ipv6_error() {
        eprintln!("keyblade-sandbox: {warning}");
    }
    let demo = sandbox.demo_credentials();
    eprintln!(
        "keyblade-sandbox: started in {} ms",
        sandbox.startup_time().as_millis()
    );
    eprintln!("  authority host:   {}", sandbox.authority_host());
    eprintln!("  resource manager: {}", sandbox.arm_url());
    eprintln!("  metadata:         {}", sandbox.metadata_url());
    eprintln!("  key vault suffix: {}", sandbox.vault_suffix());
    eprintln!("  admin API:        {}", sandbox.admin_url());
    eprintln!("  demo tenant ID:   {}", demo.tenant_id);
    eprintln!("  demo client ID:   {}", demo.client_id);
    eprintln!("  demo secret:      {}", demo.client_secret);
    eprintln!("  demo user:        {}", demo.user_name);
    println!("ready {}", sandbox.arm_url());

    wait_for_shutdown_signal().await;
    eprintln!("keyblade-sandbox: stopping");
    match sandbox.stop().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keyblade-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
