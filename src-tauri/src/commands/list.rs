// The one list of the app's IPC commands, as `module::command` under `commands/`.
//
// Both `build.rs` (which generates an `allow-*`/`deny-*` permission per command, so a
// capability must name each one) and `lib.rs` (which registers the handlers) expand
// this macro, so a command cannot be callable without being subject to the ACL.
// `include!`d by build.rs: keep it free of anything but this macro.
macro_rules! with_app_commands {
    ($callback:ident) => {
        $callback!(
            app::app_info,
            app::diagnostics,
            session::sign_in,
            session::cancel_sign_in,
            session::sign_out,
            session::switch_account,
            session::use_demo_tenant,
            session::list_tenants,
            session::switch_tenant,
            session::set_subscription_filter,
            key_uri::validate_key_uri,
            resources::list_subscriptions,
            resources::list_resources,
            encryption::get_encryption,
            encryption::preflight,
            encryption::grant_access,
            encryption::save_encryption,
            encryption::cancel_save,
            key_vault::list_vaults,
            key_vault::list_keys,
            key_vault::list_key_versions,
            key_vault::create_vault,
            key_vault::create_key,
            key_vault::check_vault_name,
            key_vault::recover_vault,
            key_vault::open_key_vault,
            identity::list_identities,
            lifecycle::plan_lifecycle,
            lifecycle::run_lifecycle,
            history::list_history,
            history::get_history_entry,
            history::plan_undo,
            restore::diagnose_access,
            rotation::read_rotation,
            home::list_home,
            home::check_home_health,
            home::cancel_home_health,
            home::save_home_export
        )
    };
}
