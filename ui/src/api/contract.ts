// The shapes of the sign-in, account, tenant and open-by-URI commands, from the bindings generated from the Rust
// DTOs (src-tauri/src/dto.rs). UI code imports them from here.
export type {
  AccountMethod,
  AccountSummary,
  AppInfo,
  OpenedVault,
  SessionStatus,
  SignInMethodRequest,
  SignInOutcome,
  SignInProgress,
  SignInRequest,
  SignInStep,
  SubscriptionSummary,
  TenantAccessStatus,
  TenantSummary,
} from '../bindings';
