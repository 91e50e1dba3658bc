import { useCallback, useEffect, useReducer, useRef } from 'react';
import { cancelSignIn, newOperationId, onSignInProgress, signIn, toCommandError } from '../../api';
import type { SignInOutcome } from '../../api/contract';
import {
  canSubmit,
  initialState,
  signInCancelledCode,
  signInReducer,
  signInRequest,
  type SignInForm,
  type SignInPreset,
  type SignInState,
} from './signInModel';

export interface SignInDialogController {
  state: SignInState;
  canSubmit: boolean;
  edit: (patch: Partial<SignInForm>) => void;
  submit: () => Promise<void>;
  /** Cancels the running sign-in (`cancel_sign_in`); the dialog stays open. */
  cancel: () => void;
  /** Closes the dialog, cancelling a running sign-in first. */
  close: () => void;
}

/** The Sign in dialog's state and commands: runs `sign_in`, follows its `sign-in-progress` events, cancels it. */
export function useSignInDialog(
  preset: SignInPreset,
  onSignedIn: (outcome: SignInOutcome) => void,
  onClose: () => void,
): SignInDialogController {
  const [state, dispatch] = useReducer(signInReducer, preset, initialState);
  const running = useRef<string | null>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      // Closed while signing in (Escape, or the App closing it): the sign-in has no one to show it.
      if (running.current !== null) void cancelSignIn(running.current).catch(() => undefined);
    };
  }, []);

  const submit = useCallback(async () => {
    if (running.current !== null || !canSubmit(state.form)) return;
    const operationId = newOperationId('sign-in');
    running.current = operationId;
    dispatch({ type: 'started', operationId });
    const progress = onSignInProgress(operationId, (event) => {
      if (mounted.current) dispatch({ type: 'progress', progress: event });
    });
    try {
      await progress.ready;
      const outcome = await signIn(signInRequest(state.form, operationId));
      running.current = null;
      if (!mounted.current) return;
      dispatch({ type: 'ended', error: null });
      onSignedIn(outcome);
    } catch (rejection: unknown) {
      running.current = null;
      if (!mounted.current) return;
      const error = toCommandError(rejection, 'sign_in');
      dispatch({ type: 'ended', error: error.code === signInCancelledCode ? null : error });
    } finally {
      progress.stop();
    }
  }, [state.form, onSignedIn]);

  const cancel = useCallback(() => {
    const operationId = running.current;
    if (operationId === null) return;
    dispatch({ type: 'cancelling' });
    // The pending sign_in then rejects with azure.signInCancelled, which ends it (or it finished meanwhile).
    cancelSignIn(operationId).catch(() => undefined);
  }, []);

  const close = useCallback(() => {
    // Unmounting cancels a running sign-in (see the effect above).
    onClose();
  }, [onClose]);

  const edit = useCallback((patch: Partial<SignInForm>) => {
    dispatch({ type: 'edit', patch });
  }, []);

  return { state, canSubmit: canSubmit(state.form), edit, submit, cancel, close };
}
